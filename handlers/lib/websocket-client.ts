import {
  ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  GetConnectionCommand,
  GoneException,
  PostToConnectionCommand,
} from "@aws-sdk/client-apigatewaymanagementapi";
import { ENV, requireEnv } from "./environment.ts";
import { SDK_CLIENT_DEFAULTS } from "./sdk-defaults.ts";

let connectionsClient: ApiGatewayManagementApiClient | undefined;

/**
 * The `@connections` client of the WebSocket stage, created on first use (its endpoint is per stage), with its
 * middleware chain resolved once (cacheMiddleware): nothing changes the client's middleware stack after it is created.
 */
export function websocketConnections(): ApiGatewayManagementApiClient {
  connectionsClient ??= new ApiGatewayManagementApiClient({
    ...SDK_CLIENT_DEFAULTS,
    // One attempt per call: the push loop retries per socket within the invocation's time budget.
    maxAttempts: 1,
    endpoint: requireEnv(ENV.websocketCallbackUrl),
    cacheMiddleware: true,
  });
  return connectionsClient;
}

const isGone = (error: unknown) =>
  error instanceof GoneException ||
  (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 410;

/** Whether a connection is open, as `@connections` knows it (410 Gone: closed, or not yet through `$connect`). */
export async function isConnectionOpen(connectionId: string): Promise<boolean> {
  try {
    await websocketConnections().send(new GetConnectionCommand({ ConnectionId: connectionId }));
    return true;
  } catch (error) {
    if (isGone(error)) return false;
    throw error;
  }
}

/** Closes a socket (API Gateway sends the client a close frame); one already gone is closed enough. */
export async function closeConnection(connectionId: string): Promise<void> {
  try {
    await websocketConnections().send(new DeleteConnectionCommand({ ConnectionId: connectionId }));
  } catch (error) {
    if (!isGone(error)) throw error;
  }
}

/** Sends one frame; reports `gone` when the client has disconnected (HTTP 410) so the caller can forget it. */
export async function sendFrame(connectionId: string, frame: unknown): Promise<"sent" | "gone"> {
  try {
    await websocketConnections().send(
      new PostToConnectionCommand({ ConnectionId: connectionId, Data: Buffer.from(JSON.stringify(frame)) }),
    );
    return "sent";
  } catch (error) {
    if (isGone(error)) return "gone";
    throw error;
  }
}
