import { javaUrlDecode } from "../vtl/java-text.ts";

export interface SqsMessageAttribute {
  readonly dataType: string;
  readonly stringValue: string;
}

/** A `SendMessage` call in SQS's query protocol, as SQS reads the form body. */
export interface SqsSendMessage {
  readonly action: "SendMessage";
  readonly messageBody: string;
  readonly messageAttributes: Readonly<Record<string, SqsMessageAttribute>>;
  /** Every form field, decoded, for assertions that nothing else was set. */
  readonly fields: Readonly<Record<string, string>>;
}

/** What SQS answers a malformed request with (HTTP 400). */
export class SqsRequestError extends Error {
  constructor(
    readonly code: "MissingParameter" | "InvalidParameterValue" | "InvalidAction",
    readonly detail: string,
  ) {
    super(`${code}: ${detail}`);
    this.name = "SqsRequestError";
  }
}

/**
 * Parses an `application/x-www-form-urlencoded` SQS request the way SQS does and validates it as a
 * `SendMessage`: a field given twice, an unknown action or a missing or empty body is refused.
 */
export function parseSendMessage(form: string): SqsSendMessage {
  const fields = parseQueryForm(form);
  if (fields.Action !== "SendMessage")
    throw new SqsRequestError("InvalidAction", `${fields.Action ?? "no action"} is not SendMessage`);
  const messageBody = fields.MessageBody;
  if (messageBody === undefined || messageBody === "") {
    throw new SqsRequestError("MissingParameter", "The request must contain the parameter MessageBody.");
  }
  const messageAttributes: Record<string, SqsMessageAttribute> = {};
  for (let index = 1; fields[`MessageAttribute.${index}.Name`] !== undefined; index += 1) {
    const prefix = `MessageAttribute.${index}`;
    const name = fields[`${prefix}.Name`] as string;
    messageAttributes[name] = {
      dataType: fields[`${prefix}.Value.DataType`] ?? "",
      stringValue: fields[`${prefix}.Value.StringValue`] ?? "",
    };
  }
  return { action: "SendMessage", messageBody, messageAttributes, fields };
}

/** The fields of an `application/x-www-form-urlencoded` SQS request, decoded; a field given twice is refused. */
export function parseQueryForm(form: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const pair of form.split("&")) {
    if (pair === "") continue;
    const separator = pair.indexOf("=");
    const name = javaUrlDecode(separator < 0 ? pair : pair.slice(0, separator));
    const value = separator < 0 ? "" : javaUrlDecode(pair.slice(separator + 1));
    if (Object.hasOwn(fields, name))
      throw new SqsRequestError("InvalidParameterValue", `${name} is given twice`);
    fields[name] = value;
  }
  return fields;
}
