import { createServer, type Server } from "node:http";
import type { Outcome } from "../../handlers/lib/contracts.ts";

/**
 * A stand-in for `@connections` whose answer depends on the connection: 200 (and the frame recorded), 429 for
 * a throttled one, 410 for gone ones. The real SDK client of the notification function talks to it.
 */
let server: Server;
const received = new Map<string, string[]>();
let pushAll: typeof import("../../handlers/lib/push.ts").pushAll;
let frameFor: typeof import("../../handlers/lib/push.ts").frameFor;

beforeAll(async () => {
  server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const connectionId = decodeURIComponent(/@connections\/([^/?]+)/.exec(request.url ?? "")?.[1] ?? "");
    if (connectionId.startsWith("throttled")) {
      response
        .writeHead(429, { "x-amzn-errortype": "LimitExceededException" })
        .end('{"message":"Rate exceeded"}');
      return;
    }
    if (connectionId.startsWith("gone")) {
      response.writeHead(410, { "x-amzn-errortype": "GoneException" }).end('{"message":"Gone"}');
      return;
    }
    received.set(connectionId, [...(received.get(connectionId) ?? []), Buffer.concat(chunks).toString()]);
    response.writeHead(200).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  Object.assign(process.env, {
    AWS_REGION: "eu-west-1",
    AWS_ACCESS_KEY_ID: "test",
    AWS_SECRET_ACCESS_KEY: "test",
    POWERTOOLS_LOG_LEVEL: "SILENT",
    WEBSOCKET_CALLBACK_URL: `http://127.0.0.1:${(server.address() as { port: number }).port}/live`,
  });
  ({ pushAll, frameFor } = await import("../../handlers/lib/push.ts"));
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const outcome: Outcome = {
  type: "notification",
  requestId: "Ab-Cd_Ef1Gh2Ij3",
  operation: "create",
  status: "success",
  result: { id: "x" },
  completedAt: "2026-11-22T10:00:00.000Z",
};
const lots = { getRemainingTimeInMillis: () => 10_000 };
const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();

describe("pushing one outcome to many sockets", () => {
  it("pushes to each socket on its own: a throttled one fails alone, the others get the frame exactly once", async () => {
    const targets = [
      { connectionId: "ok-1", connectedAt: minutesAgo(5) },
      { connectionId: "throttled-1", connectedAt: minutesAgo(5) },
      { connectionId: "ok-2", connectedAt: minutesAgo(5) },
      { connectionId: "gone-old", connectedAt: minutesAgo(5) },
      { connectionId: "gone-young", connectedAt: new Date().toISOString() },
    ];

    const results = await pushAll(targets, outcome, lots);

    expect(results).toEqual({ sent: 2, gone: ["gone-old"], failed: 2 });
    expect(received.get("ok-1")).toEqual([JSON.stringify(outcome)]);
    expect(received.get("ok-2")).toEqual([JSON.stringify(outcome)]);
  });

  it("gives up on a socket when the invocation's time runs short, rather than failing the batch", async () => {
    const results = await pushAll([{ connectionId: "throttled-2", connectedAt: minutesAgo(5) }], outcome, {
      getRemainingTimeInMillis: () => 1_000,
    });

    expect(results).toEqual({ sent: 0, gone: [], failed: 1 });
  });

  it("sends a notice instead of an outcome too large for a WebSocket frame (128 KB)", () => {
    const large = { ...outcome, result: { items: ["x".repeat(140_000)] } };

    const frame = frameFor(large) as Record<string, unknown>;

    expect(frameFor(outcome)).toBe(outcome);
    expect(frame).toEqual({
      type: "notification",
      requestId: outcome.requestId,
      operation: "create",
      status: "success",
      completedAt: outcome.completedAt,
      tooLargeForFrame: true,
    });
  });
});
