import { randomUUID } from "node:crypto";
import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import type { APIGatewayProxyResult, SQSBatchResponse, SQSEvent } from "aws-lambda";
import type { Outcome } from "../../handlers/lib/contracts.ts";
import { lambdaContext, sqsEvent, sqsRecord, websocketEvent } from "../support/events.ts";
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

/** Opens a real socket and subscribes it through the $connect handler, as API Gateway would. */
async function subscribedClient(requestId: string) {
  const client = await peers.websocket.connect();
  const response = await connect(
    websocketEvent("$connect", client.connectionId, { queryStringParameters: { requestId } }),
  );
  expect(response.statusCode).toBe(200);
  return client;
}

describe("$connect", () => {
  it("refuses a missing requestId with 400 and stores nothing", async () => {
    const connectionId = randomUUID();

    const response = await connect(websocketEvent("$connect", connectionId));

    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body).error).toMatch(/^requestId: is required/);
    expect(await connection(connectionId)).toBeUndefined();
  });

  it("refuses a malformed requestId with 400", async () => {
    const response = await connect(
      websocketEvent("$connect", randomUUID(), { queryStringParameters: { requestId: "1 OR 1=1" } }),
    );

    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body).error).toMatch(/^requestId: must be a UUID/);
  });

  it("stores the subscription with a TTL", async () => {
    const requestId = randomUUID();
    const connectionId = randomUUID();

    await connect(websocketEvent("$connect", connectionId, { queryStringParameters: { requestId } }));

    const stored = await connection(connectionId);
    expect(stored).toMatchObject({ connectionId, requestId });
    expect(stored?.expiresAt).toBeGreaterThan(Date.now() / 1000);
  });
});

describe("$disconnect", () => {
  it("forgets the connection", async () => {
    const connectionId = randomUUID();
    await connect(
      websocketEvent("$connect", connectionId, { queryStringParameters: { requestId: randomUUID() } }),
    );

    await disconnect(websocketEvent("$disconnect", connectionId));

    expect(await connection(connectionId)).toBeUndefined();
  });
});

describe("notification", () => {
  it("stores the outcome, pushes it to every subscriber, and removes a stale connection", async () => {
    const requestId = randomUUID();
    const first = await subscribedClient(requestId);
    const second = await subscribedClient(requestId);
    const staleId = randomUUID();
    await peers.documents.send(
      new PutCommand({
        TableName: peers.tables.connections,
        Item: { connectionId: staleId, requestId, expiresAt: 4_000_000_000 },
      }),
    );
    const outcome = outcomeFor(requestId);

    const response = await notify(sqsEvent(sqsRecord(outcome)), lambdaContext());

    expect(response.batchItemFailures).toEqual([]);
    expect(await framesArrived(first.frames, 1)).toEqual([outcome]);
    expect(await framesArrived(second.frames, 1)).toEqual([outcome]);
    expect(await connection(staleId)).toBeUndefined();
    expect(await connection(first.connectionId)).toBeDefined();
    const stored = (
      await peers.documents.send(new GetCommand({ TableName: peers.tables.requests, Key: { requestId } }))
    ).Item;
    expect(JSON.parse(String(stored?.outcome))).toEqual(outcome);
    expect(stored?.expiresAt).toBe(Date.parse(outcome.completedAt) / 1000 + 86_400);
    first.socket.close();
    second.socket.close();
  });

  it("keeps the first outcome of a request id and pushes that one again", async () => {
    const requestId = randomUUID();
    const original = outcomeFor(requestId);
    await notify(sqsEvent(sqsRecord(original)), lambdaContext());
    const client = await subscribedClient(requestId);
    const impostor = outcomeFor(requestId, {
      status: "error",
      error: { code: "NOT_FOUND", message: "gone" },
    } as Partial<Outcome>);

    await notify(sqsEvent(sqsRecord(impostor)), lambdaContext());

    expect(await framesArrived(client.frames, 1)).toEqual([original]);
    client.socket.close();
  });

  it("fails a malformed outcome so it reaches the DLQ, without failing the rest of the batch", async () => {
    const good = sqsRecord(outcomeFor(randomUUID()));
    const bad = sqsRecord({ type: "notification", requestId: "nope" });

    const response = await notify(sqsEvent(bad, good), lambdaContext());

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: bad.messageId }]);
  });
});

describe("$default", () => {
  it("answers status with pending before the outcome exists, and with the outcome after", async () => {
    const requestId = randomUUID();
    const client = await subscribedClient(requestId);
    const status = websocketEvent("$default", client.connectionId, {
      body: JSON.stringify({ action: "status" }),
    });

    await fallback(status);
    await framesArrived(client.frames, 1);
    await notify(sqsEvent(sqsRecord(outcomeFor(requestId))), lambdaContext());
    await framesArrived(client.frames, 2);
    await fallback(status);

    const frames = await framesArrived(client.frames, 3);
    expect(frames[0]).toEqual({ type: "status", requestId, status: "pending" });
    expect(frames[2]).toEqual(frames[1]);
    expect(frames[2]).toMatchObject({ type: "notification", requestId, status: "success" });
    client.socket.close();
  });

  it("tells the client about an unknown action", async () => {
    const client = await subscribedClient(randomUUID());

    const response = await fallback(
      websocketEvent("$default", client.connectionId, { body: '{"action":"dance"}' }),
    );

    expect(response.statusCode).toBe(400);
    expect(await framesArrived(client.frames, 1)).toEqual([
      { type: "error", error: 'unknown action "dance"; send {"action":"status"}' },
    ]);
    client.socket.close();
  });
});
