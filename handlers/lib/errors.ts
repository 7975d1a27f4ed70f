import type { ErrorCode } from "./contracts.ts";

/**
 * A fault that no retry can fix (bad input, missing item). Consumers turn it into an `error` outcome and
 * acknowledge the message; every other exception fails the record so SQS redelivers it.
 */
export class PermanentError extends Error {
  constructor(
    readonly code: Exclude<ErrorCode, "INTERNAL">,
    message: string,
  ) {
    super(message);
    this.name = "PermanentError";
  }
}

export function isConditionalCheckFailure(error: unknown): boolean {
  return error instanceof Error && error.name === "ConditionalCheckFailedException";
}
