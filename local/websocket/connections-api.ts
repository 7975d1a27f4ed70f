import type { IncomingMessage, ServerResponse } from "node:http";
import type { WebSocket } from "ws";

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
export function connectionsApi(connections: ReadonlyMap<string, LiveConnection>) {
  return async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const match = /^(?:\/[^/]+)?\/@connections\/([^/?]+)$/.exec(request.url ?? "");
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
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
      connection.socket.send(Buffer.concat(chunks).toString("utf8"));
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
