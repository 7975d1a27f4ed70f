import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { connectionsFor, deleteConnection } from "./lib/connections.ts";
import { describeIssues, outcomeSchema } from "./lib/contracts.ts";
import { storeOutcome } from "./lib/outcome-store.ts";
import { logger, metrics } from "./lib/powertools.ts";
import { sendFrame } from "./lib/websocket-client.ts";

const processor = new BatchProcessor(EventType.SQS);

/**
 * Stores the outcome before pushing it, so a client that subscribes later still finds it; then pushes
 * the stored (first) outcome to every subscriber and forgets subscribers that have gone away.
 */
async function deliver(record: SQSRecord): Promise<void> {
  const parsed = outcomeSchema.safeParse(safeJson(record.body));
  if (!parsed.success) {
    // Not retryable, but also not answerable: fail the record so it reaches the DLQ for triage.
    throw new Error(`Malformed outcome in message ${record.messageId}: ${describeIssues(parsed.error)}`);
  }
  const outcome = await storeOutcome(parsed.data);
  const subscribers = await connectionsFor(outcome.requestId);
  let gone = 0;
  for (const connectionId of subscribers) {
    if ((await sendFrame(connectionId, outcome)) === "gone") {
      await deleteConnection(connectionId);
      gone += 1;
    }
  }
  metrics.addMetric("NotificationsPushed", MetricUnit.Count, subscribers.length - gone);
  if (gone > 0) metrics.addMetric("StaleConnectionsRemoved", MetricUnit.Count, gone);
  logger.info("Outcome delivered", { requestId: outcome.requestId, subscribers: subscribers.length, gone });
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
    return await processPartialResponse(event, deliver, processor, {
      context,
      throwOnFullBatchFailure: false,
    });
  } finally {
    metrics.publishStoredMetrics();
  }
};
