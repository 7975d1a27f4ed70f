import type { SqsBroker, StoredMessage } from "./broker.ts";
import {
  invalidParameter,
  missingParameter,
  queueDoesNotExist,
  SQS_ERROR_MESSAGES,
  SqsError,
} from "./errors.ts";
import { md5OfAttributes, type StringAttribute } from "./md5.ts";
import { LOCAL_ACCOUNT_ID, queueAttributes } from "./queue-attributes.ts";

/** An action's input as the JSON protocol carries it (the Query protocol's is converted to this shape first). */
export type ActionInput = Readonly<Record<string, unknown>>;

/** An action: its result in the JSON protocol's shape, or `undefined` for the actions SQS answers with nothing. */
export type SqsAction = (input: ActionInput, signal: AbortSignal) => unknown;

/** SQS actions this endpoint does not serve: the runner's queues are the stack's, created and configured by it. */
const NOT_SERVED = [
  "AddPermission",
  "CreateQueue",
  "DeleteQueue",
  "ListQueueTags",
  "RemovePermission",
  "SetQueueAttributes",
  "TagQueue",
  "UntagQueue",
];

const MAX_BATCH_ENTRIES = 10;
const MAX_MESSAGE_ATTRIBUTES = 10;
const MAX_WAIT_SECONDS = 20;
const MAX_VISIBILITY_SECONDS = 43_200;
const MAX_DELAY_SECONDS = 900;
const BATCH_ENTRY_ID = /^[\w-]{1,80}$/;
/** The characters SQS accepts in a message body. */
const MESSAGE_CHARACTERS = /^[\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]*$/u;
/** Who sent a message, as `SenderId` reports it: locally there is no IAM identity behind a call. */
const SENDER_ID = "LOCAL";

/**
 * SQS's actions over the broker, independent of the wire protocol: what an operator, the README's runbook and the
 * handlers' SDK call. Each validates its input as SQS does and answers SQS's errors (`SqsError`).
 */
export function sqsActions(
  broker: SqsBroker,
  queueUrl: (queueName: string) => string,
  /** Whether one entry of a batch fails on SQS's side now (chaos): SQS fails entries of a batch one by one. */
  entryFails: () => boolean = () => false,
): Record<string, SqsAction> {
  const queueOf = (input: ActionInput) => queueNameOfUrl(broker, requiredString(input, "QueueUrl"));
  const actions: Record<string, SqsAction> = {
    ListQueues: (input) => {
      const prefix = optionalString(input, "QueueNamePrefix") ?? "";
      const maxResults = optionalInteger(input, "MaxResults", between(1, 1000));
      const names = broker
        .queueNames()
        .filter((name) => name.startsWith(prefix))
        .sort();
      const after = nextTokenOf(input);
      const rest = after === undefined ? names : names.filter((name) => name > after);
      const page = maxResults === undefined ? rest : rest.slice(0, maxResults);
      const last = page.at(-1);
      return {
        ...(page.length > 0 ? { QueueUrls: page.map(queueUrl) } : {}),
        ...(last !== undefined && page.length < rest.length
          ? { NextToken: Buffer.from(JSON.stringify({ after: last })).toString("base64") }
          : {}),
      };
    },
    GetQueueUrl: (input) => {
      const name = requiredString(input, "QueueName");
      const owner = optionalString(input, "QueueOwnerAWSAccountId") ?? LOCAL_ACCOUNT_ID;
      if (owner !== LOCAL_ACCOUNT_ID || !broker.queueNames().includes(name)) throw queueDoesNotExist();
      return { QueueUrl: queueUrl(name) };
    },
    GetQueueAttributes: (input) => {
      const attributes = queueAttributes(broker, queueOf(input), stringList(input, "AttributeNames"));
      return Object.keys(attributes).length > 0 ? { Attributes: attributes } : {};
    },
    ListDeadLetterSourceQueues: (input) => ({
      queueUrls: broker.deadLetterSources(queueOf(input)).map(queueUrl),
    }),
    SendMessage: (input) => {
      const queue = queueOf(input);
      const body = requiredString(input, "MessageBody");
      const attributes = messageAttributesOf(input);
      const delay = optionalInteger(input, "DelaySeconds", atMost(MAX_DELAY_SECONDS));
      const sent = sendChecked(broker, queue, body, attributes, delay);
      return {
        MessageId: sent.messageId,
        MD5OfMessageBody: sent.md5OfBody,
        ...(sent.md5OfAttributes ? { MD5OfMessageAttributes: sent.md5OfAttributes } : {}),
      };
    },
    SendMessageBatch: (input) => {
      const queue = queueOf(input);
      const entries = Array.isArray(input.Entries) ? (input.Entries as ActionInput[]) : [];
      // The whole batch counts against one message's maximum, as SQS measures it.
      const total = entries.reduce(
        (sum, entry) =>
          sum +
          Buffer.byteLength(String(entry?.MessageBody ?? "")) +
          attributesSize(messageAttributesOf(entry ?? {})),
        0,
      );
      const maximum = broker.spec(queue).maximumMessageSize ?? 262_144;
      if (total > maximum)
        throw new SqsError(
          "BatchRequestTooLong",
          `Batch requests cannot be longer than ${maximum} bytes. You have sent ${total} bytes.`,
        );
      return batch(input, "SendMessageBatchRequestEntry", (entry) => {
        if (entryFails()) throw new SqsError("InternalError", SQS_ERROR_MESSAGES.InternalError ?? "");
        const sent = sendChecked(
          broker,
          queue,
          requiredString(entry, "MessageBody"),
          messageAttributesOf(entry),
          optionalInteger(entry, "DelaySeconds", atMost(MAX_DELAY_SECONDS)),
        );
        return {
          MessageId: sent.messageId,
          MD5OfMessageBody: sent.md5OfBody,
          ...(sent.md5OfAttributes ? { MD5OfMessageAttributes: sent.md5OfAttributes } : {}),
        };
      });
    },
    ReceiveMessage: async (input, signal) => {
      const queue = queueOf(input);
      const max = optionalInteger(input, "MaxNumberOfMessages", between(1, 10)) ?? 1;
      const visibility = optionalInteger(input, "VisibilityTimeout", between(0, MAX_VISIBILITY_SECONDS));
      const wait =
        optionalInteger(input, "WaitTimeSeconds", atMost(MAX_WAIT_SECONDS)) ??
        broker.spec(queue).receiveWaitTimeSeconds ??
        0;
      const systemAttributes = [
        ...stringList(input, "AttributeNames"),
        ...stringList(input, "MessageSystemAttributeNames"),
      ];
      const messageAttributes = stringList(input, "MessageAttributeNames");
      // Long polling: answer as soon as a message is visible, or empty when the wait is over.
      const deadline = Date.now() + wait * 1000;
      let received = broker.receive(queue, max, visibility);
      while (received.length === 0 && Date.now() < deadline && !signal.aborted) {
        await broker.waitForVisible(queue, deadline - Date.now(), signal);
        received = broker.receive(queue, max, visibility);
      }
      if (received.length === 0) return {};
      return { Messages: received.map((message) => messageOf(message, systemAttributes, messageAttributes)) };
    },
    DeleteMessage: (input) => {
      broker.delete(queueOf(input), requiredString(input, "ReceiptHandle"));
      return undefined;
    },
    DeleteMessageBatch: (input) => {
      const queue = queueOf(input);
      return batch(input, "DeleteMessageBatchRequestEntry", (entry) =>
        broker.delete(queue, requiredString(entry, "ReceiptHandle")),
      );
    },
    ChangeMessageVisibility: (input) => {
      const queue = queueOf(input);
      broker.changeVisibility(queue, requiredString(input, "ReceiptHandle"), visibilityTimeoutOf(input));
      return undefined;
    },
    ChangeMessageVisibilityBatch: (input) => {
      const queue = queueOf(input);
      return batch(input, "ChangeMessageVisibilityBatchRequestEntry", (entry) =>
        broker.changeVisibility(queue, requiredString(entry, "ReceiptHandle"), visibilityTimeoutOf(entry)),
      );
    },
    PurgeQueue: (input) => {
      broker.purge(queueOf(input));
      return undefined;
    },
    StartMessageMoveTask: (input) => {
      const destinationArn = optionalString(input, "DestinationArn");
      const rate = optionalInteger(input, "MaxNumberOfMessagesPerSecond");
      return {
        TaskHandle: broker.moveTasks.start({
          sourceArn: requiredString(input, "SourceArn"),
          ...(destinationArn ? { destinationArn } : {}),
          ...(rate !== undefined ? { maxNumberOfMessagesPerSecond: rate } : {}),
        }),
      };
    },
    ListMessageMoveTasks: (input) => ({
      Results: broker.moveTasks.list(
        requiredString(input, "SourceArn"),
        optionalInteger(input, "MaxResults"),
      ),
    }),
    CancelMessageMoveTask: (input) => ({
      ApproximateNumberOfMessagesMoved: broker.moveTasks.cancel(requiredString(input, "TaskHandle")),
    }),
  };
  for (const action of NOT_SERVED)
    actions[action] = () => {
      throw new SqsError(
        "UnsupportedOperation",
        `${action} is not served locally: the runner's queues are the synthesized stack's (change the stack, then restart npm run local).`,
      );
    };
  return actions;
}

/** A queue URL of this endpoint (`<endpoint>/<account>/<name>`) names one of the stack's queues, or none. */
function queueNameOfUrl(broker: SqsBroker, url: string): string {
  let path: string[];
  try {
    path = new URL(url).pathname.split("/").filter(Boolean);
  } catch {
    throw queueDoesNotExist();
  }
  const [account, name] = path;
  if (path.length !== 2 || account !== LOCAL_ACCOUNT_ID || !name || !broker.queueNames().includes(name))
    throw queueDoesNotExist();
  return name;
}

function messageOf(
  message: StoredMessage,
  systemNames: readonly string[],
  attributeNames: readonly string[],
) {
  const system: Record<string, string | undefined> = {
    SenderId: SENDER_ID,
    SentTimestamp: String(message.sentTimestamp),
    ApproximateReceiveCount: String(message.receiveCount),
    ApproximateFirstReceiveTimestamp: String(message.firstReceiveTimestamp ?? message.sentTimestamp),
    DeadLetterQueueSourceArn: message.sourceQueueArn,
  };
  const wantsAll = systemNames.includes("All");
  const attributes = Object.fromEntries(
    Object.entries(system).filter(
      ([name, value]) => value !== undefined && (wantsAll || systemNames.includes(name)),
    ),
  );
  const selected = Object.fromEntries(
    Object.entries(message.attributes).filter(([name]) =>
      attributeNames.some((pattern) => matchesAttribute(name, pattern)),
    ),
  );
  return {
    MessageId: message.messageId,
    ReceiptHandle: message.receiptHandle,
    MD5OfBody: message.md5OfBody,
    Body: message.body,
    ...(Object.keys(attributes).length > 0 ? { Attributes: attributes } : {}),
    ...(Object.keys(selected).length > 0
      ? { MD5OfMessageAttributes: md5OfAttributes(selected), MessageAttributes: selected }
      : {}),
  };
}

/** `All` and `.*` select every attribute, `prefix.*` those under a prefix, anything else one by name. */
function matchesAttribute(name: string, pattern: string): boolean {
  if (pattern === "All" || pattern === ".*") return true;
  return pattern.endsWith(".*") ? name.startsWith(pattern.slice(0, -1)) : name === pattern;
}

/** A batch as SQS checks it (1 to 10 entries, distinct well-formed ids), then each entry on its own. */
function batch(input: ActionInput, entryName: string, apply: (entry: ActionInput) => unknown) {
  const entries = input.Entries;
  if (!Array.isArray(entries) || entries.length === 0)
    throw new SqsError("EmptyBatchRequest", `There should be at least one ${entryName} in the request.`);
  if (entries.length > MAX_BATCH_ENTRIES)
    throw new SqsError(
      "TooManyEntriesInBatchRequest",
      `Maximum number of entries per request are ${MAX_BATCH_ENTRIES}. You have sent ${entries.length}.`,
    );
  const ids = new Set<string>();
  for (const entry of entries as ActionInput[]) {
    const id = entry?.Id;
    if (typeof id !== "string" || !BATCH_ENTRY_ID.test(id))
      throw new SqsError(
        "InvalidBatchEntryId",
        "A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.",
      );
    if (ids.has(id)) throw new SqsError("BatchEntryIdsNotDistinct", `Id ${id} repeated.`);
    ids.add(id);
  }
  const Successful: Array<Record<string, unknown> & { Id: string }> = [];
  const Failed: Array<{ Id: string; SenderFault: boolean; Code: string; Message: string }> = [];
  for (const entry of entries as ActionInput[]) {
    const Id = String(entry.Id);
    try {
      const result = apply(entry);
      Successful.push({ Id, ...(typeof result === "object" && result !== null ? result : {}) });
    } catch (error) {
      if (!(error instanceof SqsError)) throw error;
      Failed.push({
        Id,
        SenderFault: error.fault === "Sender",
        Code: error.queryCode,
        Message: error.message,
      });
    }
  }
  return { Successful, Failed };
}

function visibilityTimeoutOf(input: ActionInput): number {
  const seconds = optionalInteger(input, "VisibilityTimeout", between(0, MAX_VISIBILITY_SECONDS));
  if (seconds === undefined) throw missingParameter("VisibilityTimeout");
  return seconds;
}

function messageAttributesOf(input: ActionInput): Record<string, StringAttribute> {
  const given = input.MessageAttributes;
  if (given === undefined) return {};
  if (typeof given !== "object" || given === null)
    throw invalidParameter("MessageAttributes", given, "Must be a map.");
  const entries = Object.entries(given as Record<string, Record<string, unknown>>);
  if (entries.length > MAX_MESSAGE_ATTRIBUTES)
    throw new SqsError(
      "InvalidParameterValue",
      `Number of message attributes [${entries.length}] exceeds the allowed maximum [${MAX_MESSAGE_ATTRIBUTES}].`,
    );
  const attributes: Record<string, StringAttribute> = {};
  for (const [name, attribute] of entries) {
    const dataType = attribute?.DataType;
    if (typeof dataType !== "string" || dataType === "")
      throw new SqsError(
        "InvalidParameterValue",
        `The message attribute '${name}' must contain non-empty message attribute type.`,
      );
    if (dataType.startsWith("Binary"))
      throw new SqsError(
        "UnsupportedOperation",
        `The message attribute '${name}' is of type Binary, which is not served locally: the service sends String attributes.`,
      );
    if (!dataType.startsWith("String") && !dataType.startsWith("Number"))
      throw new SqsError(
        "InvalidParameterValue",
        `The message attribute '${name}' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.`,
      );
    const value = attribute.StringValue;
    if (typeof value !== "string" || value === "")
      throw new SqsError(
        "InvalidParameterValue",
        `The message attribute '${name}' must contain non-empty message attribute value for message attribute type '${dataType}'.`,
      );
    attributes[name] = { DataType: dataType, StringValue: value };
  }
  return attributes;
}

/**
 * Sends a message as SQS accepts one: only characters of its XML character set, and at most the queue's maximum
 * size (body and attributes). API Gateway's SQS integrations and the SDKs reach this same check.
 */
export function sendChecked(
  broker: SqsBroker,
  queue: string,
  body: string,
  attributes: Readonly<Record<string, StringAttribute>>,
  delaySeconds?: number,
) {
  if (!MESSAGE_CHARACTERS.test(body))
    throw new SqsError("InvalidMessageContents", SQS_ERROR_MESSAGES.InvalidMessageContents ?? "");
  const size = Buffer.byteLength(body) + attributesSize(attributes);
  const maximum = broker.spec(queue).maximumMessageSize ?? 262_144;
  if (size > maximum)
    throw new SqsError(
      "InvalidParameterValue",
      `One or more parameters are invalid. Reason: Message must be shorter than ${maximum} bytes.`,
    );
  return broker.send(queue, body, attributes, delaySeconds);
}

function attributesSize(attributes: Readonly<Record<string, StringAttribute>>): number {
  return Object.entries(attributes).reduce(
    (total, [name, value]) =>
      total +
      Buffer.byteLength(name) +
      Buffer.byteLength(value.DataType) +
      Buffer.byteLength(value.StringValue ?? ""),
    0,
  );
}

function nextTokenOf(input: ActionInput): string | undefined {
  const token = optionalString(input, "NextToken");
  if (token === undefined) return undefined;
  try {
    const after = (JSON.parse(Buffer.from(token, "base64").toString("utf8")) as { after?: unknown }).after;
    if (typeof after === "string") return after;
  } catch {
    // Falls through to the refusal: a token this endpoint did not issue.
  }
  throw new SqsError("InvalidParameterValue", "Invalid NextToken value.");
}

function optionalString(input: ActionInput, name: string): string | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw invalidParameter(name, JSON.stringify(value), "Must be a string.");
  return value;
}

function requiredString(input: ActionInput, name: string): string {
  const value = optionalString(input, name);
  if (value === undefined || value === "") throw missingParameter(name);
  return value;
}

/**
 * An integer, in range when one is given (where SQS checks the range elsewhere, it is not); the JSON protocol
 * sends numbers, the Query protocol decimal strings.
 */
function optionalInteger(
  input: ActionInput,
  name: string,
  range?: { min: number; max: number; reason: string },
): number | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  const number =
    typeof value === "number" ? value : /^-?\d+$/.test(String(value)) ? Number(value) : Number.NaN;
  if (!Number.isInteger(number)) throw invalidParameter(name, value, "Must be an integer.");
  if (range && (number < range.min || number > range.max)) throw invalidParameter(name, value, range.reason);
  return number;
}

const between = (min: number, max: number) => ({
  min,
  max,
  reason: `Must be between ${min} and ${max}, if provided.`,
});
const atMost = (max: number) => ({ min: 0, max, reason: `Must be >= 0 and <= ${max}, if provided.` });

function stringList(input: ActionInput, name: string): string[] {
  const value = input[name];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((item) => typeof item !== "string"))
    throw invalidParameter(name, JSON.stringify(value), "Must be a list of strings.");
  return value as string[];
}
