import { ChangeMessageVisibilityCommand } from "@aws-sdk/client-sqs";
import type { SQSRecord } from "aws-lambda";
import { ENV } from "./environment.ts";
import { logger } from "./powertools.ts";
import { sqsClient } from "./sqs.ts";

/** Error names AWS services use for "slow down": retryable, whatever their `$fault` says. */
const THROTTLING = new Set([
  "ThrottlingException",
  "Throttling",
  "ProvisionedThroughputExceededException",
  "RequestLimitExceeded",
  "RequestThrottled",
  "RequestThrottledException",
  "TooManyRequestsException",
  "LimitExceededException",
  "SlowDown",
  "TransactionInProgressException",
]);

interface ServiceFault {
  name?: string;
  $fault?: "client" | "server";
  $retryable?: { throttling?: boolean };
}

/**
 * Whether an AWS SDK error is the caller's fault and would fail again on retry: the SDK's own `$fault` says
 * `client` and it is not throttling. Retrying such a command only carries it to the DLQ minutes later; it is
 * answered instead. Everything else (server faults, throttling, timeouts, network errors) is retried.
 */
export function isPermanentSdkFault(error: unknown): boolean {
  const fault = error as ServiceFault | undefined;
  if (!fault || typeof fault !== "object" || fault.$fault !== "client") return false;
  if (fault.$retryable?.throttling || THROTTLING.has(String(fault.name))) return false;
  return true;
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
