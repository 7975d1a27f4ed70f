import { SendMessageCommand } from "@aws-sdk/client-sqs";
import type { ErrorCode, Operation, Outcome } from "./contracts.ts";
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

/** Sends the outcome to the notifications queue, with the same triage attributes as commands carry. */
export async function publishOutcome(outcome: Outcome): Promise<void> {
  await sqsClient.send(
    new SendMessageCommand({
      QueueUrl: requireEnv(ENV.notificationsQueueUrl),
      MessageBody: JSON.stringify(outcome),
      MessageAttributes: {
        operation: { DataType: "String", StringValue: outcome.operation },
        requestId: { DataType: "String", StringValue: outcome.requestId },
      },
    }),
  );
}
