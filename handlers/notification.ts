import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { forgetGoneSocket, type Socket, socketsOf, tokenExpired } from "./lib/connections.ts";
import { describeIssues, notificationSchema } from "./lib/contracts.ts";
import { backOff } from "./lib/faults.ts";
import { storeOutcome } from "./lib/outcome-store.ts";
import { logger, metrics } from "./lib/powertools.ts";
import { pushAll } from "./lib/push.ts";
import { closeConnection } from "./lib/websocket-client.ts";

const processor = new BatchProcessor(EventType.SQS);

/**
 * Stores the outcome before pushing it, so a client that connects later still finds it; then pushes the
 * stored (first) outcome to every open socket of its owner that is not narrowed to another request. A push
 * that fails is not retried by failing the record (that would push again to everyone who already has it): the
 * outcome is stored, and the client's `status` catch-up finds it.
 */
async function deliver(record: SQSRecord, context: Context): Promise<void> {
  const parsed = notificationSchema.safeParse(safeJson(record.body));
  if (!parsed.success) {
    // A retry would fail the same way and nobody can be told: acknowledged, kept in the log, counted (alarmed).
    logger.error("Unanswerable notification acknowledged", {
      messageId: record.messageId,
      reason: describeIssues(parsed.error),
      body: record.body.slice(0, 8192),
    });
    metrics.addMetric("NotificationUnanswerable", MetricUnit.Count, 1);
    return;
  }
  const { owner, outcome } = await storeOutcome(parsed.data);
  const now = new Date();
  const sockets = await socketsOf(owner);
  const expired = sockets.filter((socket) => tokenExpired(socket, now));
  const subscribers = sockets.filter(
    (socket) =>
      !tokenExpired(socket, now) &&
      (socket.requestId === undefined || socket.requestId === outcome.requestId),
  );
  await closeExpired(owner, expired);
  const results = await pushAll(subscribers, outcome, context);
  const forgotten = await Promise.all(
    subscribers
      .filter((socket) => results.gone.includes(socket.connectionId))
      .map((socket) => forgetGoneSocket(owner, socket)),
  );
  metrics.addMetric("NotificationsPushed", MetricUnit.Count, results.sent);
  if (forgotten.length > 0) metrics.addMetric("StaleConnectionsRemoved", MetricUnit.Count, forgotten.length);
  if (results.failed > 0) metrics.addMetric("NotificationPushesFailed", MetricUnit.Count, results.failed);
  logger.info("Outcome delivered", {
    requestId: outcome.requestId,
    subscribers: subscribers.length,
    sent: results.sent,
    gone: results.gone.length,
    failed: results.failed,
  });
}

/**
 * Closes the sockets whose token has expired and forgets them: API Gateway checked the token at `$connect` only,
 * and a socket must not go on receiving its user's items after the sign-in that opened it ended. The client
 * sees the close and reconnects with a fresh token. Best effort: a socket left open is skipped by the next push.
 */
async function closeExpired(owner: string, expired: readonly Socket[]): Promise<void> {
  if (expired.length === 0) return;
  const closed = await Promise.allSettled(
    expired.map(async (socket) => {
      await closeConnection(socket.connectionId);
      await forgetGoneSocket(owner, socket);
    }),
  );
  const failures = closed.filter((result) => result.status === "rejected");
  if (failures.length > 0) logger.warn("Could not close every expired socket", { failures: failures.length });
  metrics.addMetric("ExpiredConnectionsClosed", MetricUnit.Count, expired.length - failures.length);
}

function safeJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

export const handler = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
  logger.addContext(context);
  try {
    const recordHandler = async (record: SQSRecord) => {
      try {
        await deliver(record, context);
      } catch (error) {
        logger.error("Notification failed; SQS will redeliver it after a backoff", {
          messageId: record.messageId,
          error,
        });
        metrics.addMetric("RecordFailed", MetricUnit.Count, 1);
        await backOff(record);
        throw error;
      }
    };
    return await processPartialResponse(event, recordHandler, processor, {
      context,
      throwOnFullBatchFailure: false,
    });
  } finally {
    metrics.publishStoredMetrics();
  }
};
