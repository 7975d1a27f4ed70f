import type { APIGatewayProxyResult, APIGatewayProxyWebsocketEventV2 } from "aws-lambda";
import { getConnection } from "../lib/connections.ts";
import { readOutcome } from "../lib/outcome-store.ts";
import { logger } from "../lib/powertools.ts";
import { sendFrame } from "../lib/websocket-client.ts";
import { respond } from "./responses.ts";

/**
 * Answers `{"action":"status"}` with the stored outcome, or a pending frame, so a client that
 * subscribed after the work finished still learns the result.
 */
export const handler = async (event: APIGatewayProxyWebsocketEventV2): Promise<APIGatewayProxyResult> => {
  const { connectionId } = event.requestContext;
  const action = readAction(event.body);
  if (action !== "status") {
    await sendFrame(connectionId, {
      type: "error",
      error: `unknown action ${JSON.stringify(action ?? null)}; send {"action":"status"}`,
    });
    return respond(400, { error: "unknown action" });
  }
  const connection = await getConnection(connectionId);
  if (!connection) {
    await sendFrame(connectionId, { type: "error", error: "connection is not subscribed to a request" });
    return respond(400, { error: "not subscribed" });
  }
  const outcome = await readOutcome(connection.requestId);
  await sendFrame(
    connectionId,
    outcome ?? { type: "status", requestId: connection.requestId, status: "pending" },
  );
  logger.info("Status answered", { connectionId, requestId: connection.requestId, found: Boolean(outcome) });
  return respond(200, { message: "ok" });
};

function readAction(body: string | undefined): unknown {
  try {
    const parsed: unknown = JSON.parse(body ?? "");
    return typeof parsed === "object" && parsed !== null
      ? (parsed as { action?: unknown }).action
      : undefined;
  } catch {
    return undefined;
  }
}
