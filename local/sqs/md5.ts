import { createHash } from "node:crypto";

export interface StringAttribute {
  readonly DataType: string;
  readonly StringValue?: string;
}

export function md5OfBody(body: string): string {
  return createHash("md5").update(Buffer.from(body, "utf8")).digest("hex");
}

/** String message attributes, as AWS services set them on what they send to a dead-letter queue. */
export function stringAttributes(values: Readonly<Record<string, string>>): Record<string, StringAttribute> {
  return Object.fromEntries(
    Object.entries(values).map(([name, value]) => [name, { DataType: "String", StringValue: value }]),
  );
}

/** SQS's digest of message attributes: sorted names, each field length-prefixed, string transport type 1. */
export function md5OfAttributes(attributes: Readonly<Record<string, StringAttribute>>): string {
  const parts: Buffer[] = [];
  const lengthPrefixed = (value: string) => {
    const bytes = Buffer.from(value, "utf8");
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    parts.push(length, bytes);
  };
  for (const name of Object.keys(attributes).sort()) {
    const attribute = attributes[name];
    if (!attribute) continue;
    lengthPrefixed(name);
    lengthPrefixed(attribute.DataType);
    parts.push(Buffer.from([1]));
    lengthPrefixed(attribute.StringValue ?? "");
  }
  return createHash("md5").update(Buffer.concat(parts)).digest("hex");
}
