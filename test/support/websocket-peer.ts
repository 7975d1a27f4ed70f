import { randomUUID } from "node:crypto";
import { createServer } from "node:http";
import { WebSocket, WebSocketServer } from "ws";
import { connectionsApi, type LiveConnection } from "../../local/websocket/connections-api.ts";

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
  const sockets = new Map<string, LiveConnection>();
  const http = createServer(connectionsApi(sockets));
  const wss = new WebSocketServer({ server: http });
  wss.on("connection", (socket) => {
    const connectionId = randomUUID();
    const now = new Date().toISOString();
    sockets.set(connectionId, { socket, connectedAt: now, lastActiveAt: now, sourceIp: "127.0.0.1" });
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
      for (const { socket } of sockets.values()) socket.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
