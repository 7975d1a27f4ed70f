import type { ActionInput } from "./actions.ts";
import { missingParameter, SqsError } from "./errors.ts";
import { parseQueryForm, SqsRequestError } from "./query-request.ts";

/**
 * SQS's Query protocol (form-encoded requests, XML answers), as AWS CLI releases before 2.13 and older SDKs speak
 * it, translated to and from the JSON protocol's shapes so that one set of actions serves both. The element names
 * are the SQS model's (`locationName`s of its flattened lists and maps).
 */

const NAMESPACE = "http://queue.amazonaws.com/doc/2012-11-05/";

/** Flattened request lists: `AttributeName.1=…` is the JSON protocol's `AttributeNames: […]`. */
const REQUEST_LISTS: Readonly<Record<string, string>> = {
  AttributeName: "AttributeNames",
  MessageAttributeName: "MessageAttributeNames",
  MessageSystemAttributeName: "MessageSystemAttributeNames",
  DeleteMessageBatchRequestEntry: "Entries",
  ChangeMessageVisibilityBatchRequestEntry: "Entries",
  SendMessageBatchRequestEntry: "Entries",
};

/** Flattened request maps: `MessageAttribute.1.Name=n&MessageAttribute.1.Value.StringValue=v` is `{n: {…}}`. */
const REQUEST_MAPS: Readonly<Record<string, string>> = {
  MessageAttribute: "MessageAttributes",
  Attribute: "Attributes",
  Tag: "Tags",
};

/** Members answered as flattened lists or maps, with the element name of each entry. */
const RESPONSE_ELEMENTS: Readonly<Record<string, string>> = {
  QueueUrls: "QueueUrl",
  queueUrls: "QueueUrl",
  Messages: "Message",
  Attributes: "Attribute",
  MessageAttributes: "MessageAttribute",
  Failed: "BatchResultErrorEntry",
  Results: "ListMessageMoveTasksResultEntry",
};
const RESPONSE_MAPS = new Set(["Attributes", "MessageAttributes"]);

export interface QueryRequest {
  readonly action: string;
  readonly input: ActionInput;
}

/**
 * The action and its input in the JSON protocol's shape. A request that names no queue URL addresses its queue by
 * the request path (`POST /<account>/<queue>`), which Query clients may do.
 */
export function parseQueryRequest(form: string, endpointUrl: string, path: string): QueryRequest {
  let fields: Record<string, string>;
  try {
    fields = parseQueryForm(form);
  } catch (error) {
    if (error instanceof SqsRequestError) throw new SqsError(error.code, error.detail);
    throw new SqsError(
      "InvalidParameterValue",
      `The request body is not valid form encoding: ${(error as Error).message}`,
    );
  }
  const input: Record<string, unknown> = {};
  const lists = new Map<string, Map<number, unknown>>();
  for (const [name, value] of Object.entries(fields)) {
    const [head = "", index = "", ...rest] = name.split(".");
    const member = REQUEST_LISTS[head] ?? REQUEST_MAPS[head];
    if (!member || !/^[1-9]\d*$/.test(index)) {
      input[name] = value;
      continue;
    }
    const entries = lists.get(head) ?? new Map<number, unknown>();
    lists.set(head, entries);
    if (rest.length === 0) entries.set(Number(index), value);
    else
      entries.set(
        Number(index),
        withPath((entries.get(Number(index)) ?? {}) as Record<string, unknown>, rest, value),
      );
  }
  for (const [head, entries] of lists) {
    const ordered = [...entries.entries()].sort(([a], [b]) => a - b).map(([, entry]) => entry);
    const member = REQUEST_LISTS[head] ?? REQUEST_MAPS[head] ?? head;
    input[member] = REQUEST_MAPS[head]
      ? Object.fromEntries(
          (ordered as Array<{ Name?: unknown; Value?: unknown }>).map((entry) => [
            String(entry.Name),
            entry.Value,
          ]),
        )
      : ordered;
  }
  const action = fields.Action;
  if (!action) throw missingParameter("Action");
  if (input.QueueUrl === undefined && /^\/[^/]+\/[^/]+$/.test(path)) input.QueueUrl = `${endpointUrl}${path}`;
  delete input.Action;
  delete input.Version;
  return { action, input };
}

/** The XML answer of a successful action; actions SQS answers with nothing have no result element. */
export function queryResponse(action: string, result: unknown, requestId: string): string {
  const body =
    result === undefined
      ? ""
      : `<${action}Result>${members(result as Record<string, unknown>, action)}</${action}Result>`;
  return `<?xml version="1.0"?><${action}Response xmlns="${NAMESPACE}">${body}<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`;
}

export function queryError(error: SqsError, requestId: string): string {
  return `<?xml version="1.0"?><ErrorResponse xmlns="${NAMESPACE}"><Error><Type>${error.fault}</Type><Code>${xmlText(error.queryCode)}</Code><Message>${xmlText(error.queryMessage)}</Message><Detail/></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
}

function members(record: Readonly<Record<string, unknown>>, action: string): string {
  return Object.entries(record)
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => member(name, value, action))
    .join("");
}

function member(name: string, value: unknown, action: string): string {
  const element = RESPONSE_ELEMENTS[name] ?? (name === "Successful" ? `${action}ResultEntry` : undefined);
  if (element && RESPONSE_MAPS.has(name))
    return Object.entries(value as Record<string, unknown>)
      .map(
        ([key, entry]) =>
          `<${element}><Name>${xmlText(key)}</Name><Value>${content(entry, action)}</Value></${element}>`,
      )
      .join("");
  if (element && Array.isArray(value))
    return value.map((entry) => `<${element}>${content(entry, action)}</${element}>`).join("");
  return `<${name}>${content(value, action)}</${name}>`;
}

function content(value: unknown, action: string): string {
  return typeof value === "object" && value !== null
    ? members(value as Record<string, unknown>, action)
    : xmlText(String(value));
}

/** XML text; a carriage return is a character reference, since XML parsers turn a literal one into a newline. */
function xmlText(text: string): string {
  return text
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&apos;")
    .replaceAll("\r", "&#xD;");
}

function withPath(
  target: Record<string, unknown>,
  path: readonly string[],
  value: string,
): Record<string, unknown> {
  const [first = "", ...rest] = path;
  return {
    ...target,
    [first]:
      rest.length === 0 ? value : withPath((target[first] ?? {}) as Record<string, unknown>, rest, value),
  };
}
