import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { WebSocket, WebSocketServer } from "ws";

export interface WebSocketPeer {
  /** `ws://` address clients connect to. */
  url: string;
  /** The `@connections` endpoint, as the stage's callback URL (`https://.../<stage>` in AWS). */
  callbackUrl: string;
  /** Resolves with the connection id API Gateway would assign, once the socket is open. */
  connect(): Promise<{ connectionId: string; socket: WebSocket; frames: unknown[] }>;
  close(): Promise<void>;
}

const STAGE = "live";

/**
 * A WebSocket server that also serves API Gateway's `@connections` management API
 * (POST to send, GET to describe, DELETE to close), answering 410 Gone for unknown connections.
 */
export async function startWebSocketPeer(): Promise<WebSocketPeer> {
  const sockets = new Map<string, WebSocket>();
  const http = createServer(async (request: IncomingMessage, response: ServerResponse) => {
    const match = /^(?:\/[^/]+)?\/@connections\/([^/?]+)$/.exec(request.url ?? "");
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const connectionId = match ? decodeURIComponent(match[1] ?? "") : undefined;
    const socket = connectionId ? sockets.get(connectionId) : undefined;
    if (!match || !socket) {
      response.writeHead(match ? 410 : 404, {
        "content-type": "application/json",
        "x-amzn-errortype": match ? "GoneException" : "NotFoundException",
      });
      response.end(JSON.stringify({ message: match ? "Gone" : "Not Found" }));
      return;
    }
    if (request.method === "POST") {
      socket.send(Buffer.concat(chunks).toString("utf8"));
      response.writeHead(200).end();
    } else if (request.method === "DELETE") {
      socket.close();
      response.writeHead(204).end();
    } else {
      response.writeHead(200, { "content-type": "application/json" });
      response.end(
        JSON.stringify({ connectedAt: new Date().toISOString(), identity: { sourceIp: "127.0.0.1" } }),
      );
    }
  });
  const wss = new WebSocketServer({ server: http });
  wss.on("connection", (socket) => {
    const connectionId = randomUUID();
    sockets.set(connectionId, socket);
    socket.send(JSON.stringify({ type: "hello", connectionId }));
    socket.on("close", () => sockets.delete(connectionId));
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const { port } = http.address() as { port: number };

  return {
    url: `ws://127.0.0.1:${port}`,
    callbackUrl: `http://127.0.0.1:${port}/${STAGE}`,
    connect: () =>
      new Promise((resolve, reject) => {
        const socket = new WebSocket(`ws://127.0.0.1:${port}`);
        const frames: unknown[] = [];
        socket.on("error", reject);
        socket.on("message", (data) => {
          const frame = JSON.parse(String(data)) as { type?: string; connectionId?: string };
          if (frame.type === "hello" && frame.connectionId)
            resolve({ connectionId: frame.connectionId, socket, frames });
          else frames.push(frame);
        });
      }),
    close: async () => {
      for (const socket of sockets.values()) socket.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
