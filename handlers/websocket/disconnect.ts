import type { APIGatewayProxyResult, APIGatewayProxyWebsocketEventV2 } from "aws-lambda";
import { deleteConnection } from "../lib/connections.ts";
import { logger } from "../lib/powertools.ts";
import { respond } from "./responses.ts";

export const handler = async (event: APIGatewayProxyWebsocketEventV2): Promise<APIGatewayProxyResult> => {
  await deleteConnection(event.requestContext.connectionId);
  logger.info("Unsubscribed", { connectionId: event.requestContext.connectionId });
  return respond(200, { message: "disconnected" });
};
