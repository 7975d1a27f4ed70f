import type { IncomingMessage, ServerResponse } from "node:http";
import type { WebSocket } from "ws";
import { Chaos } from "../chaos/chaos.ts";

/** API Gateway's limit on a frame posted to `@connections`: 128 KB. */
export const MAX_FRAME_BYTES = 128 * 1024;

export interface LiveConnection {
  readonly socket: WebSocket;
  readonly connectedAt: string;
  readonly sourceIp: string;
  lastActiveAt: string;
}

/**
 * API Gateway's `@connections` management API over a set of open sockets: POST sends a frame, GET
 * describes, DELETE closes; with or without the stage prefix; 410 Gone (with the error type the SDK maps
 * to `GoneException`) for a connection that is not open.
 */
export function connectionsApi(connections: ReadonlyMap<string, LiveConnection>, chaos = Chaos.none) {
  const fail = (response: ServerResponse, status: number, type: string, message: string) => {
    response.writeHead(status, { "content-type": "application/json", "x-amzn-errortype": type });
    response.end(JSON.stringify({ message }));
  };
  return async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const match = /^(?:\/[^/]+)?\/@connections\/([^/?]+)$/.exec(request.url ?? "");
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    if (match && chaos.strikes("@connections call failed", chaos.rates.sdkFault)) {
      return chaos.random() < 0.5
        ? fail(response, 429, "LimitExceededException", "Rate exceeded")
        : fail(response, 500, "InternalServerErrorException", "Internal server error");
    }
    const connection = match ? connections.get(decodeURIComponent(match[1] ?? "")) : undefined;
    if (!match || !connection) {
      response.writeHead(match ? 410 : 404, {
        "content-type": "application/json",
        "x-amzn-errortype": match ? "GoneException" : "NotFoundException",
      });
      response.end(JSON.stringify({ message: match ? "Gone" : "Not Found" }));
      return;
    }
    if (request.method === "POST") {
      const data = Buffer.concat(chunks);
      if (data.length > MAX_FRAME_BYTES)
        return fail(response, 413, "PayloadTooLargeException", "Message too long");
      connection.socket.send(data.toString("utf8"));
      response.writeHead(200).end();
    } else if (request.method === "DELETE") {
      connection.socket.close(1000);
      response.writeHead(204).end();
    } else {
      response.writeHead(200, { "content-type": "application/json" });
      response.end(
        JSON.stringify({
          connectedAt: connection.connectedAt,
          lastActiveAt: connection.lastActiveAt,
          identity: { sourceIp: connection.sourceIp },
        }),
      );
    }
  };
}
