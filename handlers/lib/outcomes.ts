import { SendMessageCommand } from "@aws-sdk/client-sqs";
import type { ErrorCode, Notification, Operation, Outcome } from "./contracts.ts";
import { ENV, requireEnv } from "./environment.ts";
import { sqsClient } from "./sqs.ts";

export function successOutcome(requestId: string, operation: Operation, result: unknown): Outcome {
  return {
    type: "notification",
    requestId,
    operation,
    status: "success",
    result,
    completedAt: new Date().toISOString(),
  };
}

export function errorOutcome(
  requestId: string,
  operation: Operation,
  code: ErrorCode,
  message: string,
): Outcome {
  return {
    type: "notification",
    requestId,
    operation,
    status: "error",
    error: { code, message },
    completedAt: new Date().toISOString(),
  };
}

/**
 * JSON that SQS accepts: it refuses U+FFFE and U+FFFF (outside the XML character set it allows), which JSON
 * carries unescaped; escaped, the document means the same. Lone surrogates JSON.stringify escapes itself.
 */
export function sqsSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[\uFFFE\uFFFF]/g,
    (character) => `\\u${character.charCodeAt(0).toString(16)}`,
  );
}

/** Sends the outcome and whose it is to the notifications queue, with the triage attributes commands carry. */
export async function publishOutcome(owner: string, outcome: Outcome): Promise<void> {
  const notification: Notification = { owner, outcome };
  await sqsClient.send(
    new SendMessageCommand({
      QueueUrl: requireEnv(ENV.notificationsQueueUrl),
      MessageBody: sqsSafeJson(notification),
      MessageAttributes: {
        operation: { DataType: "String", StringValue: outcome.operation },
        requestId: { DataType: "String", StringValue: outcome.requestId },
      },
    }),
  );
}
