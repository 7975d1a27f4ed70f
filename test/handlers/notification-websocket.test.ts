import { randomUUID } from "node:crypto";
import { GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { APIGatewayProxyResult, SQSBatchResponse, SQSEvent } from "aws-lambda";
import type { Notification, Outcome } from "../../handlers/lib/contracts.ts";
import {
  ALICE,
  lambdaContext,
  newRequestId,
  sqsEvent,
  sqsRecord,
  websocketEvent,
} from "../support/events.ts";
import { type HandlerPeers, startHandlerPeers } from "../support/handler-environment.ts";

type SqsHandler = (event: SQSEvent, context: ReturnType<typeof lambdaContext>) => Promise<SQSBatchResponse>;
type RouteHandler = (event: ReturnType<typeof websocketEvent>) => Promise<APIGatewayProxyResult>;

let peers: HandlerPeers;
let notify: SqsHandler;
let connect: RouteHandler;
let disconnect: RouteHandler;
let fallback: RouteHandler;

beforeAll(async () => {
  peers = await startHandlerPeers();
  ({ handler: notify } = await import("../../handlers/notification.ts"));
  ({ handler: connect } = await import("../../handlers/websocket/connect.ts"));
  ({ handler: disconnect } = await import("../../handlers/websocket/disconnect.ts"));
  ({ handler: fallback } = await import("../../handlers/websocket/default.ts"));
});

afterAll(async () => {
  await peers.close();
});

function outcomeFor(requestId: string, overrides: Partial<Outcome> = {}): Outcome {
  return {
    type: "notification",
    requestId,
    operation: "create",
    status: "success",
    result: { id: randomUUID(), name: "Lamp" },
    completedAt: "2026-11-22T10:00:00.000Z",
    ...overrides,
  } as Outcome;
}

const notification = (owner: string, outcome: Outcome): Notification => ({ owner, outcome });

async function connection(connectionId: string) {
  return (
    await peers.documents.send(new GetCommand({ TableName: peers.tables.connections, Key: { connectionId } }))
  ).Item;
}

/** Waits until `frames` holds `count` frames; sockets deliver asynchronously. */
async function framesArrived(frames: unknown[], count: number): Promise<unknown[]> {
  for (let waited = 0; frames.length < count && waited < 2000; waited += 10) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return frames;
}

/**
 * Registers a socket as $connect registers it, with no live socket behind it unless one is open under that id:
 * `@connections` answers 410 to it.
 */
async function register(owner: string, connectionId: string, connectedAt: string) {
  const socketEntry = `${connectedAt}#${connectionId}#`;
  await peers.documents.send(
    new PutCommand({
      TableName: peers.tables.connections,
      Item: { connectionId, owner, connectedAt, socketEntry, expiresAt: 4_000_000_000 },
    }),
  );
  await peers.documents.send(
    new UpdateCommand({
      TableName: peers.tables.connections,
      Key: { connectionId: `owner#${owner}` },
      UpdateExpression: "ADD sockets :entry",
      ExpressionAttributeValues: { ":entry": new Set([socketEntry]) },
    }),
  );
}

/** Opens a real socket and registers it through $connect as `owner`, as API Gateway would after its authorizer. */
async function connectedClient(owner: string, requestId?: string, tokenExpiresAt?: number) {
  const client = await peers.websocket.connect();
  const response = await connect(
    websocketEvent("$connect", client.connectionId, {
      principal: owner,
      ...(tokenExpiresAt === undefined ? {} : { tokenExpiresAt }),
      ...(requestId ? { queryStringParameters: { requestId } } : {}),
    }),
  );
  expect(response.statusCode).toBe(200);
  return client;
}

describe("$connect", () => {
  it("refuses a connection its authorizer did not allow with 403 and stores nothing", async () => {
    const connectionId = randomUUID();

    const response = await connect(websocketEvent("$connect", connectionId));

    expect(response.statusCode).toBe(403);
    expect(await connection(connectionId)).toBeUndefined();
  });

  it("refuses a malformed requestId to narrow to with 400", async () => {
    const response = await connect(
      websocketEvent("$connect", randomUUID(), {
        principal: ALICE,
        queryStringParameters: { requestId: "1 OR 1=1" },
      }),
    );

    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body).error).toMatch(/^requestId: must be the requestId of a 202 answer/);
  });

  it("stores the connection as its user's, narrowed when asked, with a TTL", async () => {
    const requestId = newRequestId();
    const [wide, narrow] = [randomUUID(), randomUUID()];

    await connect(websocketEvent("$connect", wide, { principal: ALICE }));
    await connect(
      websocketEvent("$connect", narrow, { principal: ALICE, queryStringParameters: { requestId } }),
    );

    expect(await connection(wide)).toMatchObject({ connectionId: wide, owner: ALICE });
    expect(await connection(wide)).not.toHaveProperty("requestId");
    expect(await connection(narrow)).toMatchObject({ connectionId: narrow, owner: ALICE, requestId });
    expect((await connection(wide))?.expiresAt).toBeGreaterThan(Date.now() / 1000);
  });

  it("refuses a user's connection beyond the cap with 429", async () => {
    const owner = randomUUID();
    for (let index = 0; index < 3; index += 1)
      expect((await connect(websocketEvent("$connect", randomUUID(), { principal: owner }))).statusCode).toBe(
        200,
      );

    const refused = randomUUID();
    const response = await connect(websocketEvent("$connect", refused, { principal: owner }));

    expect(response.statusCode).toBe(429);
    expect(JSON.parse(response.body).error).toBe("at most 3 open connections per user; close one first");
    expect(await connection(refused)).toBeUndefined();
  });
  it("forgets sockets a lost $disconnect left behind when they stand between the user and a new one", async () => {
    const owner = randomUUID();
    const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();
    // At the cap of 3: one closed long ago, one older than any WebSocket may live, one still open.
    const [closed, ancient] = [randomUUID(), randomUUID()];
    await register(owner, closed, minutesAgo(10));
    await register(owner, ancient, minutesAgo(3 * 60));
    const open = await peers.websocket.connect();
    await register(owner, open.connectionId, minutesAgo(10));

    const admitted = randomUUID();
    expect((await connect(websocketEvent("$connect", admitted, { principal: owner }))).statusCode).toBe(200);

    expect(await connection(closed)).toBeUndefined();
    expect(await connection(ancient)).toBeUndefined();
    const sockets = (await connection(`owner#${owner}`))?.sockets as Set<string>;
    expect([...sockets].map((entry) => entry.split("#")[1]).sort()).toEqual(
      [admitted, open.connectionId].sort(),
    );
    // With every remaining socket open (or too young to ask about), the cap holds.
    await connect(websocketEvent("$connect", randomUUID(), { principal: owner }));
    expect((await connect(websocketEvent("$connect", randomUUID(), { principal: owner }))).statusCode).toBe(
      429,
    );
    open.socket.close();
  });
});

describe("$disconnect", () => {
  it("forgets the connection", async () => {
    const connectionId = randomUUID();
    await connect(websocketEvent("$connect", connectionId, { principal: ALICE }));

    await disconnect(websocketEvent("$disconnect", connectionId));

    expect(await connection(connectionId)).toBeUndefined();
    const sockets = ((await connection(`owner#${ALICE}`))?.sockets ?? new Set()) as Set<string>;
    expect([...sockets].filter((entry) => entry.includes(connectionId))).toEqual([]);
  });
});

describe("notification", () => {
  it("stores the outcome with its owner and pushes it to each of the owner's sockets, and to no one else's", async () => {
    const owner = randomUUID();
    const requestId = newRequestId();
    const first = await connectedClient(owner);
    const second = await connectedClient(owner);
    const narrowedElsewhere = await connectedClient(owner, newRequestId());
    const stranger = await connectedClient(randomUUID());
    const outcome = outcomeFor(requestId);

    const response = await notify(sqsEvent(sqsRecord(notification(owner, outcome))), lambdaContext());

    expect(response.batchItemFailures).toEqual([]);
    expect(await framesArrived(first.frames, 1)).toEqual([outcome]);
    expect(await framesArrived(second.frames, 1)).toEqual([outcome]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(narrowedElsewhere.frames).toEqual([]);
    expect(stranger.frames).toEqual([]);
    const stored = (
      await peers.documents.send(new GetCommand({ TableName: peers.tables.requests, Key: { requestId } }))
    ).Item;
    expect(stored).toMatchObject({ requestId, owner });
    expect(JSON.parse(String(stored?.outcome))).toEqual(outcome);
    expect(stored?.expiresAt).toBe(Date.parse(outcome.completedAt) / 1000 + 86_400);
    for (const client of [first, second, narrowedElsewhere, stranger]) client.socket.close();
  });

  it("closes and forgets a socket whose token has expired instead of pushing to it", async () => {
    const owner = randomUUID();
    const signedIn = await connectedClient(owner);
    const expired = await connectedClient(owner, undefined, Math.floor(Date.now() / 1000) - 1);
    const closed = new Promise((resolve) => expired.socket.once("close", resolve));
    const outcome = outcomeFor(newRequestId());

    const response = await notify(sqsEvent(sqsRecord(notification(owner, outcome))), lambdaContext());

    expect(response.batchItemFailures).toEqual([]);
    expect(await framesArrived(signedIn.frames, 1)).toEqual([outcome]);
    await closed;
    expect(expired.frames).toEqual([]);
    expect(await connection(expired.connectionId)).toBeUndefined();
    const sockets = (await connection(`owner#${owner}`))?.sockets as Set<string>;
    expect([...sockets].map((entry) => entry.split("#")[1])).toEqual([signedIn.connectionId]);
    signedIn.socket.close();
  });

  it("forgets a gone connection, but not one young enough to be inside its $connect", async () => {
    const owner = randomUUID();
    const [stale, young] = [randomUUID(), randomUUID()];
    await register(owner, stale, new Date(Date.now() - 10 * 60_000).toISOString());
    await register(owner, young, new Date().toISOString());

    const response = await notify(
      sqsEvent(sqsRecord(notification(owner, outcomeFor(newRequestId())))),
      lambdaContext(),
    );

    expect(response.batchItemFailures).toEqual([]);
    expect(await connection(stale)).toBeUndefined();
    expect(await connection(young)).toBeDefined();
    const sockets = (await connection(`owner#${owner}`))?.sockets as Set<string>;
    expect([...sockets].map((entry) => entry.split("#")[1])).toEqual([young]);
  });

  it("keeps the first outcome of a request and pushes that one again", async () => {
    const requestId = newRequestId();
    const owner = randomUUID();
    const original = outcomeFor(requestId);
    await notify(sqsEvent(sqsRecord(notification(owner, original))), lambdaContext());
    const client = await connectedClient(owner, requestId);
    const later = outcomeFor(requestId, {
      status: "error",
      error: { code: "NOT_FOUND", message: "gone" },
    } as Partial<Outcome>);

    await notify(sqsEvent(sqsRecord(notification(owner, later))), lambdaContext());

    expect(await framesArrived(client.frames, 1)).toEqual([original]);
    client.socket.close();
  });

  it("acknowledges a malformed notification (no retry can fix it) and delivers the rest of the batch", async () => {
    const good = sqsRecord(notification(ALICE, outcomeFor(newRequestId())));
    const ownerless = sqsRecord(outcomeFor(newRequestId()));
    const bad = sqsRecord({ owner: ALICE, outcome: { type: "notification", requestId: "nope" } });

    const response = await notify(sqsEvent(bad, good, ownerless), lambdaContext());

    expect(response.batchItemFailures).toEqual([]);
    const goodRequestId = (JSON.parse(good.body) as Notification).outcome.requestId;
    const stored = await peers.documents.send(
      new GetCommand({ TableName: peers.tables.requests, Key: { requestId: goodRequestId } }),
    );
    expect(stored.Item).toBeDefined();
  });
});

describe("$default", () => {
  it("answers status with pending before the outcome exists, and with the outcome after", async () => {
    const requestId = newRequestId();
    const owner = randomUUID();
    const client = await connectedClient(owner);
    const status = websocketEvent("$default", client.connectionId, {
      body: JSON.stringify({ action: "status", requestId }),
    });

    await fallback(status);
    await framesArrived(client.frames, 1);
    await notify(sqsEvent(sqsRecord(notification(owner, outcomeFor(requestId)))), lambdaContext());
    await framesArrived(client.frames, 2);
    await fallback(status);

    const frames = await framesArrived(client.frames, 3);
    expect(frames[0]).toEqual({ type: "status", requestId, status: "pending" });
    expect(frames[2]).toEqual(frames[1]);
    expect(frames[2]).toMatchObject({ type: "notification", requestId, status: "success" });
    client.socket.close();
  });

  it("answers no status on a socket whose token has expired, and closes it", async () => {
    const requestId = newRequestId();
    const owner = randomUUID();
    await notify(sqsEvent(sqsRecord(notification(owner, outcomeFor(requestId)))), lambdaContext());
    const client = await connectedClient(owner, undefined, Math.floor(Date.now() / 1000) - 1);
    const closed = new Promise((resolve) => client.socket.once("close", resolve));

    const response = await fallback(
      websocketEvent("$default", client.connectionId, {
        body: JSON.stringify({ action: "status", requestId }),
      }),
    );

    expect(response.statusCode).toBe(401);
    expect(await framesArrived(client.frames, 1)).toEqual([
      { type: "error", error: "your sign-in has expired: reconnect with a fresh token" },
    ]);
    await closed;
  });

  it("answers another user's request exactly like an unknown one", async () => {
    const requestId = newRequestId();
    await notify(sqsEvent(sqsRecord(notification(ALICE, outcomeFor(requestId)))), lambdaContext());
    const bob = await connectedClient(randomUUID());

    await fallback(
      websocketEvent("$default", bob.connectionId, { body: JSON.stringify({ action: "status", requestId }) }),
    );

    expect(await framesArrived(bob.frames, 1)).toEqual([{ type: "status", requestId, status: "pending" }]);
    bob.socket.close();
  });

  it("uses the connection's own request when it was narrowed, and asks for one otherwise", async () => {
    const requestId = newRequestId();
    const owner = randomUUID();
    const narrowed = await connectedClient(owner, requestId);
    const wide = await connectedClient(owner);

    await fallback(websocketEvent("$default", narrowed.connectionId, { body: '{"action":"status"}' }));
    const response = await fallback(
      websocketEvent("$default", wide.connectionId, { body: '{"action":"status"}' }),
    );

    expect(await framesArrived(narrowed.frames, 1)).toEqual([
      { type: "status", requestId, status: "pending" },
    ]);
    expect(response.statusCode).toBe(400);
    expect(await framesArrived(wide.frames, 1)).toEqual([
      { type: "error", error: 'requestId: must be string: send {"action":"status","requestId":"..."}' },
    ]);
    narrowed.socket.close();
    wide.socket.close();
  });

  it("tells the client about an unknown action", async () => {
    const client = await connectedClient(randomUUID());

    const response = await fallback(
      websocketEvent("$default", client.connectionId, { body: '{"action":"dance"}' }),
    );

    expect(response.statusCode).toBe(400);
    expect(await framesArrived(client.frames, 1)).toEqual([
      { type: "error", error: 'unknown action "dance"; send {"action":"status","requestId":"..."}' },
    ]);
    client.socket.close();
  });

  it("echoes only the start of an unknown action, so no client can make the answer outgrow a frame", async () => {
    const client = await connectedClient(randomUUID());
    // 90 KB of quotes: under the 128 KB API Gateway takes in, twice that once escaped into JSON.
    const action = '"'.repeat(90_000);

    const response = await fallback(
      websocketEvent("$default", client.connectionId, { body: JSON.stringify({ action }) }),
    );

    expect(response.statusCode).toBe(400);
    const [frame] = (await framesArrived(client.frames, 1)) as Array<{ error: string }>;
    expect(frame?.error.startsWith('unknown action "\\"\\"')).toBe(true);
    expect(frame?.error).toContain('...; send {"action":"status"');
    expect(Buffer.byteLength(JSON.stringify(frame))).toBeLessThan(300);
    client.socket.close();
  });

  it("names an action that is no string by its type, however deeply a client nests it", async () => {
    const client = await connectedClient(randomUUID());
    // 20 KB of nested arrays: JSON.parse takes it, serialising it back would overflow the stack.
    const action = `${"[".repeat(10_000)}${"]".repeat(10_000)}`;

    const response = await fallback(
      websocketEvent("$default", client.connectionId, { body: `{"action":${action}}` }),
    );

    expect(response.statusCode).toBe(400);
    expect(await framesArrived(client.frames, 1)).toEqual([
      { type: "error", error: 'unknown action (an array); send {"action":"status","requestId":"..."}' },
    ]);
    client.socket.close();
  });
});
