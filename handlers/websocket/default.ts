import type { APIGatewayProxyResult, APIGatewayProxyWebsocketEventV2 } from "aws-lambda";
import { getConnection, tokenExpired } from "../lib/connections.ts";
import { describeIssues, requestIdSchema } from "../lib/contracts.ts";
import { readOutcome } from "../lib/outcome-store.ts";
import { logger } from "../lib/powertools.ts";
import { frameFor } from "../lib/push.ts";
import { closeConnection, sendFrame } from "../lib/websocket-client.ts";
import { respond } from "./responses.ts";

/** Characters of an unknown action echoed back in the error frame. */
const ECHO_MAX = 100;

/**
 * Answers `{"action":"status","requestId":"..."}` with the stored outcome of one of the caller's requests, or a
 * pending frame, so a client that connected after the work finished (or missed a push) still learns the
 * result. Another user's request is answered exactly like an unknown one: pending.
 */
export const handler = async (event: APIGatewayProxyWebsocketEventV2): Promise<APIGatewayProxyResult> => {
  const { connectionId } = event.requestContext;
  const message = readMessage(event.body);
  if (message.action !== "status") {
    await sendFrame(connectionId, {
      type: "error",
      error: `unknown action ${echoOf(message.action)}; send {"action":"status","requestId":"..."}`,
    });
    return respond(400, { error: "unknown action" });
  }
  const connection = await getConnection(connectionId);
  if (!connection) {
    await sendFrame(connectionId, { type: "error", error: "this connection is not open yet; try again" });
    return respond(400, { error: "not connected" });
  }
  if (tokenExpired(connection, new Date())) {
    await sendFrame(connectionId, {
      type: "error",
      error: "your sign-in has expired: reconnect with a fresh token",
    });
    await closeConnection(connectionId);
    return respond(401, { error: "token expired" });
  }
  const parsed = requestIdSchema.safeParse(message.requestId ?? connection.requestId);
  if (!parsed.success) {
    const error = `${describeIssues(parsed.error, "requestId")}: send {"action":"status","requestId":"..."}`;
    await sendFrame(connectionId, { type: "error", error });
    return respond(400, { error: "no request id" });
  }
  const stored = await readOutcome(parsed.data);
  const own = stored?.owner === connection.owner ? stored.outcome : undefined;
  await sendFrame(
    connectionId,
    own ? frameFor(own) : { type: "status", requestId: parsed.data, status: "pending" },
  );
  logger.info("Status answered", { connectionId, requestId: parsed.data, found: Boolean(own) });
  return respond(200, { message: "ok" });
};

/**
 * A client's action as the error frame names it: a string cut to ECHO_MAX characters (a 128 KB action must not
 * become a frame over the 128 KB a post takes), anything else by its type only. Serialising a client's value
 * whole could throw (JSON.stringify recurses through 10,000 nested arrays), and a client must never make this
 * function fail: its errors page someone.
 */
function echoOf(action: unknown): string {
  if (typeof action !== "string")
    return Array.isArray(action) ? "(an array)" : `(${action === null ? "null" : typeof action})`;
  const quoted = JSON.stringify(action.slice(0, ECHO_MAX));
  return quoted.length > ECHO_MAX ? `${quoted.slice(0, ECHO_MAX)}...` : quoted;
}

function readMessage(body: string | undefined): { action?: unknown; requestId?: unknown } {
  try {
    const parsed: unknown = JSON.parse(body ?? "");
    return typeof parsed === "object" && parsed !== null
      ? (parsed as { action?: unknown; requestId?: unknown })
      : {};
  } catch {
    return {};
  }
}
