import { ScanCommand } from "@aws-sdk/client-dynamodb";
import WebSocket from "ws";
import { dev } from "../../environments/dev.ts";
import { COMMAND_QUEUES } from "../../handlers/catalogue.ts";
import { localClient } from "../../local/dynamodb.ts";
import {
  outcomeOf,
  type RunningService,
  request,
  startLocalService,
  subscribe,
  tokenFor,
  waitFor,
} from "../../local/service-client.ts";

/** Commands sent to the queues the REST API feeds; outcomes and events of earlier work may still be in flight. */
const commandsSent = async (service: RunningService) => {
  const { sentTo } = (await (await fetch(`${service.restUrl}/_local/stats`)).json()) as {
    sentTo: Record<string, number>;
  };
  return Object.fromEntries(
    COMMAND_QUEUES.map((queue) => [queue, sentTo[`${dev.namePrefix}-${queue}`] ?? 0]),
  );
};

describe("npm run local: identity and ownership", () => {
  let service: RunningService;
  let alice: RunningService;
  let bob: RunningService;
  beforeAll(async () => {
    service = await startLocalService();
    alice = { ...service, token: await tokenFor(service, "alice") };
    bob = { ...service, token: await tokenFor(service, "bob") };
  }, 90_000);
  afterAll(async () => {
    await service?.stop();
  });

  /** Sends a command as `user` and resolves with its outcome, received on the user's narrowed socket. */
  async function perform(user: RunningService, method: string, path: string, body?: unknown) {
    const answer = await request(user, method, path, body);
    expect(answer.status, JSON.stringify(answer.json)).toBe(202);
    return outcomeOf(user, String(answer.json.requestId));
  }

  it("lets bob neither get, update, delete, list, poll nor receive alice's items and outcomes", async () => {
    const bobsSocket = await subscribe(bob);
    const bobsFrames: Array<Record<string, unknown>> = [];
    bobsSocket.socket.on("message", (data) => bobsFrames.push(JSON.parse(String(data))));
    const created = await request(alice, "POST", "/items", { name: "Alice's lamp" });
    const aliceRequestId = String(created.json.requestId);
    const creation = await outcomeOf(alice, aliceRequestId);
    const id = String((creation.result as { id: string }).id);

    for (const [method, path, body] of [
      ["GET", `/items/${id}`, undefined],
      ["PUT", `/items/${id}`, { name: "Bob's now" }],
      ["DELETE", `/items/${id}`, undefined],
    ] as const) {
      expect(await perform(bob, method, path, body), `${method} as bob`).toMatchObject({
        status: "error",
        error: { code: "NOT_FOUND", message: `item ${id} does not exist` },
      });
    }
    const bobsList = await perform(bob, "GET", "/items?limit=100");
    expect((bobsList.result as { items: Array<{ id: string }> }).items.map((item) => item.id)).not.toContain(
      id,
    );
    expect((await request(bob, "GET", `/requests/${aliceRequestId}`)).status).toBe(404);
    expect((await request(alice, "GET", `/requests/${aliceRequestId}`)).status).toBe(200);
    bobsSocket.socket.send(JSON.stringify({ action: "status", requestId: aliceRequestId }));
    await waitFor(
      async () => (bobsFrames.some((frame) => frame.type === "status") ? true : undefined),
      5_000,
      "status",
    );

    expect(await perform(alice, "GET", `/items/${id}`)).toMatchObject({
      status: "success",
      result: { id, name: "Alice's lamp", version: 1 },
    });
    expect(bobsFrames.filter((frame) => frame.requestId === aliceRequestId)).toEqual([
      { type: "status", requestId: aliceRequestId, status: "pending" },
    ]);
    bobsSocket.socket.close();
  });

  it("pushes every outcome of a user to each of the user's sockets, one socket serving every request", async () => {
    const carol = { ...service, token: await tokenFor(service, "carol") };
    const socket = await subscribe(carol);
    const frames: Array<Record<string, unknown>> = [];
    socket.socket.on("message", (data) => frames.push(JSON.parse(String(data))));

    const ids = [];
    for (const name of ["one", "two", "three"])
      ids.push(String((await request(carol, "POST", "/items", { name })).json.requestId));

    await waitFor(
      async () => (frames.length >= 3 ? true : undefined),
      10_000,
      "three outcomes on one socket",
    );
    expect(frames.map((frame) => frame.requestId).sort()).toEqual([...ids].sort());
    socket.socket.close();
  });

  it("refuses tokens it cannot trust on REST, queuing nothing, and on $connect, storing no connection", async () => {
    const valid = service.token;
    const [header, payload, signature] = valid.split(".") as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString());
    const forge = (changes: object) =>
      `${header}.${Buffer.from(JSON.stringify({ ...claims, ...changes })).toString("base64url")}.${signature}`;
    const idToken = (
      (await (
        await fetch(`${service.authUrl}/_local/token`, {
          method: "POST",
          body: JSON.stringify({ username: "eve" }),
        })
      ).json()) as { id_token: string }
    ).id_token;
    const hostile = {
      "tampered payload": forge({ sub: "00000000-0000-4000-8000-000000000000" }),
      "alg none": `${Buffer.from('{"alg":"none"}').toString("base64url")}.${payload}.`,
      "an ID token": idToken,
      "a read-only token on a write route": await tokenFor(service, "eve", ["items/read"]),
      garbage: "not.a.token",
    };
    const before = await commandsSent(service);
    const dynamo = localClient(/DynamoDB\s+(http:\/\/\S+)/.exec(service.output())?.[1] ?? "");
    const connectionsBefore = (await dynamo.send(new ScanCommand({ TableName: "crud-dev-connections" })))
      .Count;

    for (const [name, token] of Object.entries(hostile)) {
      const answer = await request({ ...service, token }, "POST", "/items", { name: "x" });
      expect(answer.status, name).toBe(401);
      if (name === "a read-only token on a write route") continue;
      const status = await new Promise<number>((resolve) => {
        const socket = new WebSocket(`${service.websocketUrl}/?token=${encodeURIComponent(token)}`);
        socket.on("unexpected-response", (_, response) => resolve(response.statusCode ?? 0));
        socket.on("open", () => {
          socket.close();
          resolve(101);
        });
      });
      // The authorizer denies with a policy: API Gateway answers 403, and the function records no error.
      expect(status, name).toBe(403);
    }

    expect(await commandsSent(service)).toEqual(before);
    // At most as many: an earlier test's socket may still be closing; a refused one would have added a row.
    expect(
      (await dynamo.send(new ScanCommand({ TableName: "crud-dev-connections" }))).Count,
    ).toBeLessThanOrEqual(connectionsBefore ?? 0);
    dynamo.destroy();
  });
});
