import { ChangeMessageVisibilityCommand } from "@aws-sdk/client-sqs";
import type { SQSRecord } from "aws-lambda";
import { ENV } from "./environment.ts";
import { logger } from "./powertools.ts";
import { sqsClient } from "./sqs.ts";

/**
 * Errors a retry of the same command cannot fix, because the command itself is what the service refuses: an
 * item or expression DynamoDB cannot store, a message SQS cannot carry. Everything else is retried, `$fault:
 * "client"` included: access denied while a role's change propagates, a KMS key throttled (`KmsThrottled` is a
 * client fault) or disabled, a table not yet created. Those are the environment's faults; they heal, or reach the
 * DLQ, from which an operator redrives them once fixed.
 */
const REFUSALS_OF_THE_COMMAND = new Set([
  "ValidationException",
  "ItemCollectionSizeLimitExceededException",
  "InvalidMessageContents",
  "MessageTooLong",
]);

/**
 * Whether an AWS SDK error refuses the command itself, so it would fail again on every retry: the SDK says
 * `$fault: "client"` and the error is one of the few that are about the request's content. Retrying such a
 * command only carries it to the DLQ minutes later; it is answered instead.
 */
export function isPermanentSdkFault(error: unknown): boolean {
  const fault = error as { name?: string; $fault?: "client" | "server" } | undefined;
  if (!fault || typeof fault !== "object" || fault.$fault !== "client") return false;
  return REFUSALS_OF_THE_COMMAND.has(String(fault.name));
}

/** Seconds to wait before the next receive of a message that failed its `receiveCount`-th time. */
export function backoffSeconds(receiveCount: number, baseSeconds: number, maxSeconds: number): number {
  const exponential = baseSeconds * 2 ** Math.max(0, receiveCount - 1);
  // Full jitter on the upper half: retries of a burst of failures spread out instead of returning together.
  const capped = Math.min(maxSeconds, exponential);
  return Math.round(capped / 2 + Math.random() * (capped / 2));
}

/**
 * Holds a failed record back for an exponential backoff instead of the queue's whole visibility timeout, so a
 * queue's few receives spread over minutes and ride out a brown-out of DynamoDB, SQS or KMS rather than
 * reaching the DLQ within one. Best effort: if this fails, the visibility timeout applies as before.
 */
export async function backOff(record: SQSRecord): Promise<void> {
  const base = Number(process.env[ENV.retryBackoffBaseSeconds] ?? 0);
  const max = Number(process.env[ENV.retryBackoffMaxSeconds] ?? 0);
  if (!(base > 0 && max > 0)) return;
  const receiveCount = Number(record.attributes.ApproximateReceiveCount ?? 1);
  const [, , , region, account, queue] = record.eventSourceARN.split(":");
  try {
    await sqsClient.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: `https://sqs.${region}.amazonaws.com/${account}/${queue}`,
        ReceiptHandle: record.receiptHandle,
        VisibilityTimeout: backoffSeconds(receiveCount, base, max),
      }),
    );
  } catch (error) {
    logger.warn("Could not back off a failed record; the visibility timeout applies", {
      messageId: record.messageId,
      error,
    });
  }
}
