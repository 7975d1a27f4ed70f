import { createServer } from "node:http";
import { WebSocket, WebSocketServer } from "ws";
import { Chaos, DEFAULT_CHAOS, parseChaos } from "../../local/chaos/chaos.ts";
import type { FunctionHost } from "../../local/functions.ts";
import { SqsBroker } from "../../local/sqs/broker.ts";
import {
  connectionsApi,
  type LiveConnection,
  MAX_FRAME_BYTES,
} from "../../local/websocket/connections-api.ts";
import { INBOUND_MESSAGE_LIMIT_BYTES, startWebSocketServer } from "../../local/websocket/server.ts";

/** The WebSocket API with routes whose functions only record what they were invoked with. */
async function webSocketApi(connectionLimits?: { idleMs: number; durationMs: number }, chaos?: Chaos) {
  const invoked: string[] = [];
  const host = {
    invoke: async (functionName: string) => {
      invoked.push(functionName);
      return { statusCode: 200 };
    },
  } as unknown as FunctionHost;
  const server = await startWebSocketServer({
    host,
    routes: { $connect: "connect", $disconnect: "disconnect", $default: "default" },
    authorizers: {},
    stage: "live",
    port: 0,
    log: () => {},
    ...(connectionLimits ? { connectionLimits } : {}),
    ...(chaos ? { chaos } : {}),
  });
  return { server, invoked };
}

const closeOf = (client: WebSocket) =>
  new Promise<{ code: number; reason: string }>((resolve) =>
    client.once("close", (code, reason) => resolve({ code, reason: String(reason) })),
  );

const queue = { name: "work", arn: "arn:aws:sqs:eu-west-1:000000000000:work", visibilityTimeoutSeconds: 30 };

// SQS's 256 KiB message limit is the endpoint's to enforce, per queue: test/local/sqs-endpoint.test.ts.
describe("AWS's limits, as the runner enforces them", () => {
  it("refuses a WebSocket post over 128 KB with 413 PayloadTooLargeException", async () => {
    const connections = new Map<string, LiveConnection>();
    const http = createServer(connectionsApi(connections));
    const wss = new WebSocketServer({ server: http });
    wss.on("connection", (socket) =>
      connections.set("c1", { socket, connectedAt: "", lastActiveAt: "", sourceIp: "127.0.0.1" }),
    );
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
    const { port } = http.address() as { port: number };
    const client = new WebSocket(`ws://127.0.0.1:${port}`);
    await new Promise((resolve) => client.on("open", resolve));
    await new Promise((resolve) => setTimeout(resolve, 20));
    const post = (size: number) =>
      fetch(`http://127.0.0.1:${port}/live/@connections/c1`, { method: "POST", body: "x".repeat(size) });

    const fits = await post(MAX_FRAME_BYTES);
    const tooLarge = await post(MAX_FRAME_BYTES + 1);

    expect(fits.status).toBe(200);
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.headers.get("x-amzn-errortype")).toBe("PayloadTooLargeException");
    client.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
    await new Promise<void>((resolve) => http.close(() => resolve()));
  });
});

describe("API Gateway's WebSocket limits, as the runner enforces them", () => {
  it("closes a connection idle past the limit, and any at the end of its life, with 1001 and its $disconnect", async () => {
    const { server, invoked } = await webSocketApi({ idleMs: 300, durationMs: 1_000 });
    const idle = new WebSocket(server.url);
    const chatty = new WebSocket(server.url);
    await Promise.all([idle, chatty].map((client) => new Promise((resolve) => client.once("open", resolve))));
    const talking = setInterval(() => chatty.send("{}"), 100);

    const [idleClosed, chattyClosed] = await Promise.all([closeOf(idle), closeOf(chatty)]);
    clearInterval(talking);

    expect(idleClosed).toEqual({ code: 1001, reason: "idle" });
    expect(chattyClosed).toEqual({ code: 1001, reason: "connection duration exceeded" });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(invoked.filter((name) => name === "disconnect")).toHaveLength(2);
    await server.close();
  });

  it("closes a connection that sends a message over 128 KB with 1009", async () => {
    const { server, invoked } = await webSocketApi();
    const client = new WebSocket(server.url);
    await new Promise((resolve) => client.once("open", resolve));
    client.send("x".repeat(INBOUND_MESSAGE_LIMIT_BYTES));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(invoked.filter((name) => name === "default")).toHaveLength(1);

    client.send("x".repeat(INBOUND_MESSAGE_LIMIT_BYTES + 1));

    expect((await closeOf(client)).code).toBe(1009);
    expect(invoked.filter((name) => name === "default")).toHaveLength(1);
    await server.close();
  });

  it("loses a closed socket's $disconnect now and then under chaos, as API Gateway may", async () => {
    const { server, invoked } = await webSocketApi(
      undefined,
      new Chaos(1, { ...DEFAULT_CHAOS, disconnectLoss: 1 }),
    );
    const client = new WebSocket(server.url);
    await new Promise((resolve) => client.once("open", resolve));
    client.close();
    await closeOf(client);
    await new Promise((resolve) => setTimeout(resolve, 50));

    expect(invoked).toEqual(["connect"]);
    await server.close();
  });
});

describe("chaos", () => {
  it("decides the same misfortunes for the same seed, and others for another", () => {
    const draw = (seed: number) => {
      const chaos = new Chaos(seed);
      return Array.from({ length: 50 }, () => chaos.strikes("x", 0.3));
    };
    expect(draw(7)).toEqual(draw(7));
    expect(draw(7)).not.toEqual(draw(8));
    expect(draw(7).filter(Boolean).length).toBeGreaterThan(5);
  });

  it("reads --chaos as a seed with optional rates, and refuses what it does not know", () => {
    expect(parseChaos(undefined)).toBe(Chaos.none);
    expect(parseChaos("42").rates).toEqual(DEFAULT_CHAOS);
    expect(parseChaos("42,duplicate=0.5,reorder=false").rates).toMatchObject({
      duplicate: 0.5,
      reorder: false,
    });
    expect(() => parseChaos("x")).toThrow(/--chaos needs a seed/);
    expect(() => parseChaos("1,dup=1")).toThrow(/unknown setting "dup"/);
  });

  it("receives visible messages out of order under chaos", async () => {
    const broker = new SqsBroker([queue], { chaos: new Chaos(5) });
    const bodies = Array.from({ length: 20 }, (_, index) => `m${index}`);
    for (const body of bodies) broker.send("work", body);
    await new Promise((resolve) => setTimeout(resolve, 250));

    const received = broker.receive("work", 20).map((message) => message.body);

    expect([...received].sort()).toEqual([...bodies].sort());
    expect(received).not.toEqual(bodies);
    broker.close();
  });

  it("delivers a deleted message again under chaos, with the same id", async () => {
    const broker = new SqsBroker([queue], { chaos: new Chaos(3, { ...DEFAULT_CHAOS, duplicate: 1 }) });
    broker.send("work", "once");
    await new Promise((resolve) => setTimeout(resolve, 250));
    const [first] = broker.receive("work", 1);
    broker.delete("work", first?.receiptHandle ?? "");
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    const [again] = broker.receive("work", 1);

    expect(again?.messageId).toBe(first?.messageId);
    expect(again?.body).toBe("once");
    broker.delete("work", again?.receiptHandle ?? "");
    expect(broker.peek("work")).toEqual([]);
    broker.close();
  });
});
