import { MetricUnit } from "@aws-lambda-powertools/metrics";
import {
  PutEventsCommand,
  type PutEventsCommandOutput,
  type PutEventsRequestEntry,
} from "@aws-sdk/client-eventbridge";
import { SendMessageCommand } from "@aws-sdk/client-sqs";
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import { PUBLISHER_ENV, requireEnv } from "../lib/environment.ts";
import { eventBridgeClient } from "../lib/event-bridge.ts";
import { logger, metrics } from "../lib/powertools.ts";
import { sqsClient } from "../lib/sqs.ts";
import { type ChangeDecision, decideChange } from "./changes.ts";
import {
  ITEM_EVENT_SOURCE,
  PUT_EVENTS_MAX_BYTES,
  PUT_EVENTS_MAX_ENTRIES,
  putEventsEntrySize,
} from "./contract.ts";

type Publishable = Extract<ChangeDecision, { kind: "publish" }>;

/** PutEvents error codes that say the entry itself is wrong: retrying it cannot help. */
const REFUSED_ENTRY_CODES = new Set(["MalformedDetail", "InvalidArgument"]);

/** A record sent to the failure queue is kept whole below this size, so the message stays under SQS's 256 KiB. */
const FAILURE_RECORD_MAX_BYTES = 200 * 1024;

/**
 * Publishes the item table's stream as domain events, in stream order. Records that are no event are skipped;
 * records that break the item contract go to the failure queue with the reason and the record, and the shard
 * moves on. A failure to publish (or to set a record aside) stops the batch there and reports that record's
 * sequence number: Lambda resumes from it, so nothing after it is published out of order, nothing before it
 * twice, and the mapping's bounded retries, bisection and on-failure destination keep the shard from waiting.
 */
export const handler = async (
  event: DynamoDBStreamEvent,
  context: Context,
): Promise<DynamoDBBatchResponse> => {
  logger.addContext(context);
  try {
    const failedAt = await publishInOrder(event.Records.map(decideChange));
    // Lambda retries from this record, so the Errors metric never moves: this is what the RecordFailed alarm sees.
    if (failedAt !== undefined) metrics.addMetric("RecordFailed", MetricUnit.Count, 1);
    return { batchItemFailures: failedAt === undefined ? [] : [{ itemIdentifier: failedAt }] };
  } finally {
    metrics.publishStoredMetrics();
  }
};

/** Returns the sequence number of the first record that could not be handled, if any. */
async function publishInOrder(decisions: readonly ChangeDecision[]): Promise<string | undefined> {
  let pending: Publishable[] = [];
  const flush = async () => {
    const failedAt = await publishAll(pending);
    pending = [];
    return failedAt;
  };
  for (const decided of decisions) {
    const decision = withinSizeLimit(decided);
    if (decision.kind === "publish") {
      pending.push(decision);
      continue;
    }
    const failedAt = await flush();
    if (failedAt !== undefined) return failedAt;
    if (decision.kind === "skip") {
      logger.debug("Stream record is no event", {
        eventID: decision.record.eventID,
        reason: decision.reason,
      });
      metrics.addMetric("ItemEventSkipped", MetricUnit.Count, 1);
    } else if (!(await setAside(decision.record, decision.reason))) return sequenceNumberOf(decision.record);
  }
  return flush();
}

/**
 * An event over EventBridge's entry limit would fail its whole PutEvents request on every retry, as if
 * EventBridge were down: it is set aside with its size instead, like any record that cannot become an event.
 */
function withinSizeLimit(decision: ChangeDecision): ChangeDecision {
  if (decision.kind !== "publish") return decision;
  const size = putEventsEntrySize(entryOf(decision));
  if (size <= PUT_EVENTS_MAX_BYTES) return decision;
  return {
    kind: "unpublishable",
    record: decision.record,
    reason: `the ${decision.detailType} event would be ${size} bytes, over EventBridge's ${PUT_EVENTS_MAX_BYTES} per entry`,
  };
}

async function publishAll(decisions: readonly Publishable[]): Promise<string | undefined> {
  for (const chunk of chunks(decisions)) {
    let response: PutEventsCommandOutput;
    try {
      response = await eventBridgeClient.send(
        new PutEventsCommand({ Entries: chunk.map((one) => one.entry) }),
      );
    } catch (error) {
      logger.error("PutEvents failed; Lambda will retry from this record", {
        eventID: chunk[0]?.decision.record.eventID,
        error,
      });
      return sequenceNumberOf(chunk[0]?.decision.record);
    }
    const results = response.Entries ?? [];
    for (const [index, { decision }] of chunk.entries()) {
      const result = results[index];
      if (result?.EventId) {
        metrics.addMetric("ItemEventPublished", MetricUnit.Count, 1);
        continue;
      }
      const why = `${result?.ErrorCode ?? "NoResult"}: ${result?.ErrorMessage ?? "PutEvents returned no entry"}`;
      if (REFUSED_ENTRY_CODES.has(result?.ErrorCode ?? "")) {
        if (await setAside(decision.record, `EventBridge refused the event (${why})`)) continue;
      } else logger.warn("An event was not accepted; Lambda will retry from this record", { why });
      return sequenceNumberOf(decision.record);
    }
  }
  return undefined;
}

interface SizedEntry {
  readonly decision: Publishable;
  readonly entry: PutEventsRequestEntry;
  readonly bytes: number;
}

/**
 * PutEvents requests of at most ten entries and 256 KiB, in stream order, and at most one entry per item: PutEvents
 * may accept the entries after one it refuses, so two versions of an item in one request could go out newest
 * first when the older is retried. With one per request, a refused entry stops its item's later versions too.
 */
function chunks(decisions: readonly Publishable[]): SizedEntry[][] {
  const result: SizedEntry[][] = [];
  let current: SizedEntry[] = [];
  let items = new Set<string>();
  let bytes = 0;
  for (const decision of decisions) {
    const entry = entryOf(decision);
    const size = putEventsEntrySize(entry);
    if (
      current.length === PUT_EVENTS_MAX_ENTRIES ||
      items.has(decision.detail.itemId) ||
      (current.length > 0 && bytes + size > PUT_EVENTS_MAX_BYTES)
    ) {
      result.push(current);
      current = [];
      items = new Set();
      bytes = 0;
    }
    current.push({ decision, entry, bytes: size });
    items.add(decision.detail.itemId);
    bytes += size;
  }
  if (current.length > 0) result.push(current);
  return result;
}

function entryOf(decision: Publishable): PutEventsRequestEntry {
  return {
    EventBusName: requireEnv(PUBLISHER_ENV.eventBusName),
    Source: ITEM_EVENT_SOURCE,
    DetailType: decision.detailType,
    Detail: JSON.stringify(decision.detail),
    Time: new Date(decision.detail.occurredAt),
  };
}

/**
 * Sends a record that cannot become an event to the failure queue, with the reason, so the shard moves on and a
 * person sees it (the queue alarms). Returns whether it was sent.
 */
async function setAside(record: DynamoDBRecord, reason: string): Promise<boolean> {
  const whole = JSON.stringify(record);
  const body = {
    type: "unpublishable-record",
    reason,
    eventID: record.eventID,
    eventName: record.eventName,
    sequenceNumber: record.dynamodb?.SequenceNumber,
    eventSourceARN: record.eventSourceARN,
    keys: record.dynamodb?.Keys,
    ...(Buffer.byteLength(whole) <= FAILURE_RECORD_MAX_BYTES
      ? { record }
      : { recordOmitted: `the record is ${Buffer.byteLength(whole)} bytes; read the item from the table` }),
  };
  logger.error("Stream record breaks the item contract; it goes to the failure queue", {
    eventID: record.eventID,
    reason,
  });
  try {
    await sqsClient.send(
      new SendMessageCommand({
        QueueUrl: requireEnv(PUBLISHER_ENV.failureQueueUrl),
        MessageBody: JSON.stringify(body),
      }),
    );
    metrics.addMetric("UnpublishableRecord", MetricUnit.Count, 1);
    return true;
  } catch (error) {
    logger.error("Could not send the record to the failure queue; Lambda will retry from it", { error });
    return false;
  }
}

function sequenceNumberOf(record: DynamoDBRecord | undefined): string {
  const sequenceNumber = record?.dynamodb?.SequenceNumber;
  // An empty identifier makes Lambda retry the whole batch, the safe reading of a record without one.
  return sequenceNumber ?? "";
}
