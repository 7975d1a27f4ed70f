import { randomBytes, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer } from "ws";
import type { LocalEmulation } from "../emulations.ts";
import type { FunctionHost } from "../functions.ts";
import { connectionsApi, type LiveConnection } from "./connections-api.ts";

export interface WebSocketServerOptions {
  readonly host: FunctionHost;
  /** Route key (`$connect`, `$disconnect`, `$default`, or an action) to function name. */
  readonly routes: Readonly<Record<string, string>>;
  readonly stage: string;
  readonly port: number;
  readonly log: (line: string) => void;
}

/**
 * API Gateway's WebSocket API on 127.0.0.1: `$connect` (which may refuse the upgrade), `$disconnect` and
 * message routes by `$request.body.action`, each invoking its function; plus the `@connections`
 * management API (POST to send, GET to describe, DELETE to close; with or without the stage prefix,
 * 410 Gone for unknown connections), so the handlers' own `ApiGatewayManagementApiClient` works unchanged.
 */
export async function startWebSocketServer(
  options: WebSocketServerOptions,
): Promise<{ url: string; callbackUrl: string; close(): Promise<void> }> {
  const connections = new Map<string, LiveConnection>();
  const wss = new WebSocketServer({ noServer: true });
  const requestContext = (routeKey: string, connectionId: string, eventType: string) => ({
    routeKey,
    eventType,
    connectionId,
    messageId: randomUUID(),
    extendedRequestId: randomUUID(),
    requestId: randomUUID(),
    requestTime: new Date().toUTCString(),
    requestTimeEpoch: Date.now(),
    messageDirection: "IN",
    stage: options.stage,
    connectedAt: Date.now(),
    domainName: `127.0.0.1:${options.port}`,
    apiId: "local",
  });
  const invokeRoute = async (routeKey: string, event: Record<string, unknown>) => {
    const functionName = options.routes[routeKey];
    if (!functionName) return { statusCode: 200 };
    return (await options.host.invoke(functionName, event)) as { statusCode?: number; body?: string };
  };

  const server = createServer(connectionsApi(connections));

  server.on("upgrade", async (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const connectionId = `${randomBytes(9).toString("base64")}=`;
    const url = new URL(request.url ?? "/", "http://local");
    const refuse = (status: number, body = "") => {
      socket.end(
        `HTTP/1.1 ${status} ${status === 400 ? "Bad Request" : "Forbidden"}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
      );
      options.log(`websocket connect refused ${status}`);
    };
    try {
      const answer = await invokeRoute("$connect", {
        requestContext: requestContext("$connect", connectionId, "CONNECT"),
        queryStringParameters: Object.fromEntries(url.searchParams),
        headers: Object.fromEntries(
          Object.entries(request.headers).map(([name, value]) => [name, String(value)]),
        ),
        isBase64Encoded: false,
      });
      const status = answer?.statusCode ?? 200;
      if (status < 200 || status >= 300) return refuse(status, answer?.body ?? "");
    } catch (error) {
      options.log(`websocket $connect failed: ${(error as Error).message}`);
      return refuse(500);
    }
    wss.handleUpgrade(request, socket, head, (ws) => {
      const now = new Date().toISOString();
      connections.set(connectionId, {
        socket: ws,
        connectedAt: now,
        lastActiveAt: now,
        sourceIp: request.socket.remoteAddress ?? "127.0.0.1",
      });
      options.log(`websocket connected ${connectionId}`);
      ws.on("message", async (data) => {
        const body = String(data);
        const entry = connections.get(connectionId);
        if (entry) entry.lastActiveAt = new Date().toISOString();
        let action: unknown;
        try {
          action = (JSON.parse(body) as { action?: unknown }).action;
        } catch {
          action = undefined;
        }
        const routeKey = typeof action === "string" && options.routes[action] ? action : "$default";
        try {
          await invokeRoute(routeKey, {
            requestContext: requestContext(routeKey, connectionId, "MESSAGE"),
            body,
            isBase64Encoded: false,
          });
        } catch (error) {
          options.log(`websocket ${routeKey} failed: ${(error as Error).message}`);
        }
      });
      ws.on("close", async () => {
        connections.delete(connectionId);
        try {
          await invokeRoute("$disconnect", {
            requestContext: requestContext("$disconnect", connectionId, "DISCONNECT"),
            isBase64Encoded: false,
          });
        } catch (error) {
          options.log(`websocket $disconnect failed: ${(error as Error).message}`);
        }
      });
    });
  });

  await new Promise<void>((resolve) => server.listen(options.port, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `ws://127.0.0.1:${port}`,
    callbackUrl: `http://127.0.0.1:${port}`,
    close: async () => {
      for (const { socket } of connections.values()) socket.terminate();
      server.closeAllConnections();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The WebSocket API for the runner: its routes, and its stage's URL as the `@connections` endpoint. */
export function websocketEmulation(stageHttpUrl: string): LocalEmulation {
  return {
    service: "API Gateway (WebSocket)",
    references: {
      aws_apigatewayv2_stage: (_stage, attribute) => (attribute === "invoke_url" ? stageHttpUrl : undefined),
    },
    alsoServes: ["aws_apigatewayv2_api", "aws_apigatewayv2_route", "aws_apigatewayv2_integration"],
  };
}
