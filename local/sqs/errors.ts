/**
 * The errors the local SQS answers, as SQS names them on the wire. The JSON protocol carries the shape name in
 * `__type` and the Query protocol's code in the `x-amzn-query-error` header; the Query protocol carries that code in
 * `<Code>`. Codes and statuses are the SQS model's (`awsQueryError` traits, as the AWS SDK for JavaScript v3 ships
 * them); shapes without the trait (the common errors) keep their name as their code.
 */
const WIRE = {
  BatchRequestTooLong: { code: "AWS.SimpleQueueService.BatchRequestTooLong", status: 400 },
  BatchEntryIdsNotDistinct: { code: "AWS.SimpleQueueService.BatchEntryIdsNotDistinct", status: 400 },
  EmptyBatchRequest: { code: "AWS.SimpleQueueService.EmptyBatchRequest", status: 400 },
  InvalidAction: { code: "InvalidAction", status: 400 },
  InvalidAttributeName: { code: "InvalidAttributeName", status: 400 },
  InvalidBatchEntryId: { code: "AWS.SimpleQueueService.InvalidBatchEntryId", status: 400 },
  InvalidMessageContents: { code: "InvalidMessageContents", status: 400 },
  InvalidParameterValue: { code: "InvalidParameterValue", status: 400 },
  // KMS throttling the queue's key: a client fault by SQS's model, and retryable. Chaos answers it too.
  KmsThrottled: { code: "KMS.ThrottlingException", status: 400 },
  // SQS's own fault, retryable: what the runner's chaos answers now and then.
  InternalError: { code: "InternalError", status: 500 },
  MessageNotInflight: { code: "AWS.SimpleQueueService.MessageNotInflight", status: 400 },
  MissingParameter: { code: "MissingParameter", status: 400 },
  PurgeQueueInProgress: { code: "AWS.SimpleQueueService.PurgeQueueInProgress", status: 403 },
  QueueDoesNotExist: { code: "AWS.SimpleQueueService.NonExistentQueue", status: 400 },
  ReceiptHandleIsInvalid: { code: "ReceiptHandleIsInvalid", status: 404 },
  RequestThrottled: { code: "RequestThrottled", status: 403 },
  ResourceNotFoundException: { code: "ResourceNotFoundException", status: 404 },
  TooManyEntriesInBatchRequest: { code: "AWS.SimpleQueueService.TooManyEntriesInBatchRequest", status: 400 },
  UnsupportedOperation: { code: "AWS.SimpleQueueService.UnsupportedOperation", status: 400 },
} as const;

export type SqsErrorShape = keyof typeof WIRE;

/** SQS's wording of the errors the endpoint raises in more than one place. */
export const SQS_ERROR_MESSAGES: Partial<Record<SqsErrorShape, string>> = {
  InternalError: "We encountered an internal error. Please try again.",
  RequestThrottled: "Rate exceeded",
  KmsThrottled: "The request was denied due to request throttling. (Service: AWSKMS; Status Code: 400)",
  InvalidMessageContents:
    "Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF",
};

/** A request SQS refuses: the caller's fault (`Sender`), but for `InternalError`, SQS's own (`Receiver`). */
export class SqsError extends Error {
  constructor(
    readonly shape: SqsErrorShape,
    message: string,
    /** The wording of the Query protocol, where it differs from the JSON protocol's. */
    readonly queryMessage: string = message,
  ) {
    super(message);
    this.name = shape;
  }

  get queryCode(): string {
    return WIRE[this.shape].code;
  }

  get status(): number {
    return WIRE[this.shape].status;
  }

  /** Whose fault it is, as the Query protocol's `<Type>` and the `x-amzn-query-error` header name it. */
  get fault(): "Sender" | "Receiver" {
    return this.status >= 500 ? "Receiver" : "Sender";
  }
}

export function queueDoesNotExist(): SqsError {
  return new SqsError(
    "QueueDoesNotExist",
    "The specified queue does not exist.",
    "The specified queue does not exist for this wsdl version.",
  );
}

/** SQS's wording for a parameter value it refuses: `Value <v> for parameter <name> is invalid. Reason: <why>` */
export function invalidParameter(name: string, value: unknown, reason: string): SqsError {
  return new SqsError(
    "InvalidParameterValue",
    `Value ${value} for parameter ${name} is invalid. Reason: ${reason}`,
  );
}

export function missingParameter(name: string): SqsError {
  return new SqsError("MissingParameter", `The request must contain the parameter ${name}.`);
}
