import { randomBytes, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer } from "ws";
import type { WebSocketAuthorizerModel } from "../../synthesized/service-model.ts";
import { Chaos } from "../chaos/chaos.ts";
import type { LocalEmulation } from "../emulations.ts";
import type { FunctionHost } from "../functions.ts";
import { listenLocally } from "../listen.ts";
import { connectionsApi, type LiveConnection } from "./connections-api.ts";

export interface WebSocketServerOptions {
  readonly host: FunctionHost;
  /** Route key (`$connect`, `$disconnect`, `$default`, or an action) to function name. */
  readonly routes: Readonly<Record<string, string>>;
  /** Route key to the REQUEST authorizer that runs first. */
  readonly authorizers: Readonly<Record<string, WebSocketAuthorizerModel>>;
  readonly stage: string;
  readonly port: number;
  readonly log: (line: string) => void;
  /**
   * Handshakes that complete a little after `$connect` returned, `@connections` calls that fail, `$disconnect`s
   * lost. @default none
   */
  readonly chaos?: Chaos;
  /**
   * API Gateway's connection limits: closed after this long without a message from the client, and after this
   * long at all. @default 10 minutes idle, 2 hours in all
   */
  readonly connectionLimits?: { readonly idleMs: number; readonly durationMs: number };
}

/** API Gateway's limit on one message a client sends; a larger one closes the connection (1009). */
export const INBOUND_MESSAGE_LIMIT_BYTES = 128 * 1024;
const CONNECTION_LIMITS = { idleMs: 10 * 60_000, durationMs: 2 * 60 * 60_000 };

/**
 * API Gateway's WebSocket API on 127.0.0.1: `$connect` (which may refuse the upgrade), `$disconnect` and
 * message routes by `$request.body.action`, each invoking its function; plus the `@connections`
 * management API (POST to send, GET to describe, DELETE to close; with or without the stage prefix,
 * 410 Gone for unknown connections), so the handlers' own `ApiGatewayManagementApiClient` works unchanged.
 */
export async function startWebSocketServer(
  options: WebSocketServerOptions,
): Promise<{ url: string; callbackUrl: string; dropAll(): number; close(): Promise<void> }> {
  const connections = new Map<string, LiveConnection>();
  const wss = new WebSocketServer({ noServer: true, maxPayload: INBOUND_MESSAGE_LIMIT_BYTES });
  const limits = options.connectionLimits ?? CONNECTION_LIMITS;
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

  /**
   * Runs the route's REQUEST authorizer as API Gateway does: 401 without the identity source (the function is not
   * invoked), 401 when it throws `Unauthorized`, 403 when its policy does not allow, 500 when it fails otherwise;
   * else the `principalId` and `context` the route's function receives as `requestContext.authorizer`.
   */
  const authorize = async (
    routeKey: string,
    connectionId: string,
    queryStringParameters: Record<string, string>,
    headers: Record<string, string>,
  ): Promise<number | Record<string, unknown> | undefined> => {
    const authorizer = options.authorizers[routeKey];
    if (!authorizer) return undefined;
    const present = authorizer.identitySources.every((source) => {
      const [, , location, name] = source.split(".");
      return location === "querystring"
        ? Boolean(queryStringParameters[name ?? ""])
        : Boolean(headers[(name ?? "").toLowerCase()]);
    });
    if (!present) return 401;
    let result: {
      principalId?: string;
      policyDocument?: { Statement?: Array<{ Effect?: string }> };
      context?: object;
    };
    try {
      result = (await options.host.invoke(authorizer.functionName, {
        type: "REQUEST",
        methodArn: `arn:aws:execute-api:local:000000000000:local/${options.stage}/${routeKey}`,
        headers,
        queryStringParameters,
        stageVariables: {},
        requestContext: requestContext(routeKey, connectionId, "CONNECT"),
      })) as typeof result;
    } catch (error) {
      return /: Error: Unauthorized$/.test((error as Error).message) ? 401 : 500;
    }
    const statements = result?.policyDocument?.Statement ?? [];
    const allowed = statements.length > 0 && statements.every((statement) => statement.Effect === "Allow");
    if (!allowed || !result.principalId) return 403;
    return { principalId: result.principalId, ...result.context };
  };

  const chaos = options.chaos ?? Chaos.none;
  const server = createServer(connectionsApi(connections, chaos));

  server.on("upgrade", async (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const connectionId = `${randomBytes(9).toString("base64")}=`;
    const url = new URL(request.url ?? "/", "http://local");
    const refuse = (status: number, body = "") => {
      socket.end(
        `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? "Error"}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
      );
      options.log(`websocket connect refused ${status}`);
    };
    const queryStringParameters = Object.fromEntries(url.searchParams);
    const headers = Object.fromEntries(
      Object.entries(request.headers).map(([name, value]) => [name, String(value)]),
    );
    try {
      const authorized = await authorize("$connect", connectionId, queryStringParameters, headers);
      if (typeof authorized === "number")
        return refuse(authorized, JSON.stringify({ message: STATUS_CODES[authorized] }));
      const answer = await invokeRoute("$connect", {
        requestContext: {
          ...requestContext("$connect", connectionId, "CONNECT"),
          ...(authorized ? { authorizer: authorized } : {}),
        },
        queryStringParameters,
        headers,
        isBase64Encoded: false,
      });
      const status = answer?.statusCode ?? 200;
      if (status < 200 || status >= 300) return refuse(status, answer?.body ?? "");
      // API Gateway completes the handshake after $connect returns; until then a push to the connection is a 410.
      const completion = chaos.delay(chaos.rates.connectCompletionMs);
      if (completion > 0) await new Promise((resolve) => setTimeout(resolve, completion));
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
      // Going away (1001), as API Gateway closes an idle connection and one at the end of its life.
      const expire = (reason: string) => () => ws.close(1001, reason);
      let idle = setTimeout(expire("idle"), limits.idleMs);
      // A message over the limit: ws closes the connection with 1009 and reports it here.
      ws.on("error", (error) => options.log(`websocket ${connectionId}: ${error.message}`));
      const lifetime = setTimeout(expire("connection duration exceeded"), limits.durationMs);
      ws.on("message", async (data) => {
        clearTimeout(idle);
        idle = setTimeout(expire("idle"), limits.idleMs);
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
        clearTimeout(idle);
        clearTimeout(lifetime);
        connections.delete(connectionId);
        if (chaos.strikes("$disconnect lost", chaos.rates.disconnectLoss)) return;
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

  const port = await listenLocally(server, options.port, "the WebSocket API", "--ws-port");
  return {
    url: `ws://127.0.0.1:${port}`,
    callbackUrl: `http://127.0.0.1:${port}`,
    // What a deployment of the WebSocket API does to every open connection: 1001, going away.
    dropAll: () => {
      for (const { socket } of connections.values()) socket.close(1001, "going away");
      return connections.size;
    },
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
    alsoServes: [
      "aws_apigatewayv2_api",
      "aws_apigatewayv2_authorizer",
      "aws_apigatewayv2_route",
      "aws_apigatewayv2_integration",
    ],
  };
}
