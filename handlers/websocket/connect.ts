import type { APIGatewayProxyResult, APIGatewayProxyWebsocketEventV2 } from "aws-lambda";
import { saveConnection, TooManyConnections } from "../lib/connections.ts";
import { describeIssues, ownerSchema, requestIdSchema } from "../lib/contracts.ts";
import { ENV, requireEnv } from "../lib/environment.ts";
import { logger } from "../lib/powertools.ts";
import { isConnectionOpen } from "../lib/websocket-client.ts";
import { respond } from "./responses.ts";

/**
 * `$connect` carries the query string, which the v2 WebSocket event type leaves out, and what the authorizer
 * allowed: `principalId` is the verified token's `sub`.
 */
export type ConnectEvent = APIGatewayProxyWebsocketEventV2 & {
  queryStringParameters?: Record<string, string | undefined> | null;
  requestContext: { authorizer?: { principalId?: string; tokenExpiresAt?: string } | null };
};

/**
 * Opens a socket for its user (the authorizer has verified the token): every outcome of the user is pushed to
 * it, or only one request's with `?requestId=`. A user may hold `MAX_CONNECTIONS_PER_USER` sockets, counted in the
 * same conditional write that registers one, so a burst of connects cannot exceed it.
 */
export const handler = async (event: ConnectEvent): Promise<APIGatewayProxyResult> => {
  const { connectionId } = event.requestContext;
  const owner = ownerSchema.safeParse(event.requestContext.authorizer?.principalId);
  if (!owner.success) {
    // API Gateway runs the authorizer first; a $connect without its principal is a misconfigured route.
    logger.error("Connection without an authorized principal refused", { connectionId });
    return respond(403, { error: "not authorized" });
  }
  const requestId = event.queryStringParameters?.requestId;
  const narrowed = requestId === undefined ? undefined : requestIdSchema.safeParse(requestId);
  if (narrowed && !narrowed.success) {
    const reason = describeIssues(narrowed.error, "requestId");
    logger.warn("Connection refused", { connectionId, reason });
    return respond(400, { error: `${reason} (or connect without it to receive every outcome of yours)` });
  }
  const tokenExpiresAt = Number(event.requestContext.authorizer?.tokenExpiresAt);
  if (!Number.isSafeInteger(tokenExpiresAt)) {
    logger.error("Connection without its token's expiry refused", { connectionId });
    return respond(403, { error: "not authorized" });
  }
  const limit = Number(requireEnv(ENV.maxConnectionsPerUser));
  try {
    await saveConnection(
      {
        connectionId,
        owner: owner.data,
        tokenExpiresAt,
        ...(narrowed?.success ? { requestId: narrowed.data } : {}),
      },
      new Date(),
      limit,
      isConnectionOpen,
    );
  } catch (error) {
    if (!(error instanceof TooManyConnections)) throw error;
    logger.warn("Connection refused: too many open", { connectionId, limit });
    return respond(429, { error: `at most ${limit} open connections per user; close one first` });
  }
  logger.info("Connected", { connectionId, narrowedTo: narrowed?.success ? narrowed.data : undefined });
  return respond(200, { message: "connected" });
};
