import type { APIGatewayProxyResult, APIGatewayProxyWebsocketEventV2 } from "aws-lambda";
import { saveConnection } from "../lib/connections.ts";
import { describeIssues, requestIdSchema } from "../lib/contracts.ts";
import { logger } from "../lib/powertools.ts";
import { respond } from "./responses.ts";

/** `$connect` carries the query string, which the v2 WebSocket event type leaves out. */
type ConnectEvent = APIGatewayProxyWebsocketEventV2 & {
  queryStringParameters?: Record<string, string | undefined> | null;
};

export const handler = async (event: ConnectEvent): Promise<APIGatewayProxyResult> => {
  const { connectionId } = event.requestContext;
  const requestId = event.queryStringParameters?.requestId;
  const parsed = requestIdSchema.safeParse(requestId);
  if (!parsed.success) {
    const reason =
      requestId === undefined ? "requestId: is required" : describeIssues(parsed.error, "requestId");
    logger.warn("Connection refused", { connectionId, reason });
    return respond(400, { error: `${reason} (connect with ?requestId=<the id from the 202 answer>)` });
  }
  await saveConnection(connectionId, parsed.data, new Date());
  logger.info("Subscribed", { connectionId, requestId: parsed.data });
  return respond(200, { message: "connected" });
};
