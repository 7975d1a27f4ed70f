import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { ScanCommand } from "@aws-sdk/lib-dynamodb";
import type { Context } from "aws-lambda";
import { deleteConnection, isClosed } from "../lib/connections.ts";
import { documentClient } from "../lib/dynamodb.ts";
import { ENV, requireEnv } from "../lib/environment.ts";
import { metrics } from "../lib/powertools.ts";
import { isConnectionOpen } from "../lib/websocket-client.ts";
import { scheduledJob } from "./scheduled-job.ts";

export interface CleanupResult {
  /** Connection rows looked at. */
  checked: number;
  /** Rows of sockets `@connections` answered 410 Gone for: forgotten. */
  removed: number;
  /** Rows of open sockets, or of sockets young enough to be inside their `$connect`. */
  kept: number;
  /** False when the invocation's time ran out first; tomorrow's run goes on from the start. */
  complete: boolean;
}

/** Sockets asked about at once: `@connections` is throttled per account, and the table is scanned page by page. */
const PARALLEL_CHECKS = 10;
/** Stops asking this long before the function's timeout, so the result is still recorded. */
const SAFETY_MARGIN_MS = 5_000;

/**
 * Forgets connections whose socket is gone. `$disconnect` is best effort (API Gateway may never call it), so rows
 * of closed sockets stay until their TTL; this asks `@connections` about each connection row and forgets the
 * ones answered 410 Gone, exactly as a push that finds a socket gone does (its entry in its owner's set, then its
 * row). A socket younger than the handshake's grace is left alone: `@connections` answers 410 inside `$connect`.
 */
export async function cleanUpConnections(now: Date, context: Pick<Context, "getRemainingTimeInMillis">) {
  const result: CleanupResult = { checked: 0, removed: 0, kept: 0, complete: true };
  let startKey: Record<string, unknown> | undefined;
  do {
    if (context.getRemainingTimeInMillis() < SAFETY_MARGIN_MS) {
      result.complete = false;
      break;
    }
    const page = await documentClient.send(
      new ScanCommand({
        TableName: requireEnv(ENV.connectionsTable),
        // A user's set of sockets is keyed owner#<sub>; only the connection rows name a socket to ask about.
        FilterExpression: "NOT begins_with(connectionId, :owner)",
        ProjectionExpression: "connectionId, connectedAt",
        ExpressionAttributeValues: { ":owner": "owner#" },
        ExclusiveStartKey: startKey,
      }),
    );
    startKey = page.LastEvaluatedKey;
    const rows = (page.Items ?? []) as Array<{ connectionId: string; connectedAt?: string }>;
    for (let index = 0; index < rows.length; index += PARALLEL_CHECKS) {
      await Promise.all(
        rows.slice(index, index + PARALLEL_CHECKS).map(async (row) => {
          result.checked += 1;
          if (
            !(await isClosed(
              { connectionId: row.connectionId, connectedAt: row.connectedAt ?? "" },
              now,
              isConnectionOpen,
            ))
          ) {
            result.kept += 1;
            return;
          }
          await deleteConnection(row.connectionId);
          result.removed += 1;
        }),
      );
    }
  } while (startKey);
  metrics.addMetric("ConnectionsChecked", MetricUnit.Count, result.checked);
  metrics.addMetric("GoneConnectionsRemoved", MetricUnit.Count, result.removed);
  return result;
}

// The handshake's grace counts from now, not from the occurrence: a retry may come hours after it.
export const handler = scheduledJob("cleanup", (_window, context) => cleanUpConnections(new Date(), context));
