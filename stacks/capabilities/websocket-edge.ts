import type { Construct } from "constructs";
import type { EnvironmentConfig } from "../../environments/environment-config.ts";
import type { HandlerName } from "../../handlers/catalogue.ts";
import type { BundledFunction } from "../constructs/bundled-function.ts";
import { WebSocketApi } from "../constructs/websocket-api.ts";
import { WEBSOCKET_STAGE } from "../names.ts";
import type { Foundation } from "./foundation.ts";

/** Step 4: the WebSocket API clients receive outcomes on; its routes are added once the functions exist. */
export function addWebSocketEdge(
  scope: Construct,
  config: EnvironmentConfig,
  foundation: Foundation,
): WebSocketApi {
  return new WebSocketApi(scope, "websocket", {
    apiName: `${config.namePrefix}-notifications`,
    stageName: WEBSOCKET_STAGE,
    kmsKeyArn: foundation.keyArn,
    logRetentionDays: config.logRetentionDays,
    throttlingBurstLimit: config.websocket.throttlingBurstLimit,
    throttlingRateLimit: config.websocket.throttlingRateLimit,
    accountSettings: foundation.accountLogging?.settings,
  });
}

/** The WebSocket routes and the function each invokes. */
export const WEBSOCKET_ROUTES: ReadonlyArray<{ id: string; routeKey: string; handler: HandlerName }> = [
  { id: "connect", routeKey: "$connect", handler: "ws-connect" },
  { id: "disconnect", routeKey: "$disconnect", handler: "ws-disconnect" },
  { id: "default", routeKey: "$default", handler: "ws-default" },
];

/** The query string parameter `$connect` takes the user's access token from. */
export const WEBSOCKET_TOKEN_PARAMETER = "token";

/** Step 6: each WebSocket route invokes its function; `$connect` only once the authorizer allowed the token. */
export function routeWebSocket(
  websocket: WebSocketApi,
  functions: Readonly<Record<HandlerName, BundledFunction>>,
): void {
  const authorizer = websocket.addAuthorizer(
    "users",
    functions["ws-authorizer"].alias,
    `route.request.querystring.${WEBSOCKET_TOKEN_PARAMETER}`,
  );
  for (const route of WEBSOCKET_ROUTES) {
    const authorized = route.routeKey === "$connect" ? authorizer : undefined;
    websocket.addRoute(route.id, route.routeKey, functions[route.handler].alias, authorized);
  }
}
