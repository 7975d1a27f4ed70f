import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
// zod/mini is the tree-shakeable build: the full API would add about 440 KB to the bundle.
import * as z from "zod/mini";
import { describeIssues } from "../lib/contracts.ts";
import { ITEM_RECORD_FIELDS, type JsonValue } from "./contract.ts";

/**
 * The stored item as the items table holds it, read from a stream image. A live item carries its data fields; a
 * delete leaves a tombstone (`deleted_at`, `expires_at`, no data) whose version is one more than the item's last.
 */
export type StoredItem =
  | {
      readonly kind: "live";
      readonly id: string;
      readonly owner: string;
      readonly version: number;
      readonly lastRequestId: string;
      readonly updatedAt: string;
      readonly data: Readonly<Record<string, JsonValue>>;
    }
  | {
      readonly kind: "tombstone";
      readonly id: string;
      readonly owner: string;
      readonly version: number;
      readonly lastRequestId: string;
      readonly deletedAt: string;
    };

/** What a change is compared against: a previous image needs only its kind, version and data. */
export interface PreviousItem {
  readonly kind: "live" | "tombstone";
  /** 0 for a row written before items carried versions. */
  readonly version: number;
  readonly data: Readonly<Record<string, JsonValue>>;
}

/** A stream record that breaks the item contract: it cannot become an event, and a person must look at it. */
export class UnpublishableRecordError extends Error {
  override readonly name = "UnpublishableRecordError";
}

const text = z.string().check(z.minLength(1, "must be a non-empty string"));
const version = z
  .number("must be a number")
  .check(z.int("must be an integer"), z.gte(1, "must be at least 1"));
const timestamp = z.iso.datetime({ offset: true, message: "must be an ISO 8601 date-time" });
const recordFields = { id: text, owner: text, version, last_request_id: text };

const liveItemSchema = z.looseObject({ ...recordFields, created_at: timestamp, updated_at: timestamp });
const tombstoneSchema = z.looseObject({
  ...recordFields,
  deleted_at: timestamp,
  expires_at: z.number("must be a number of epoch seconds"),
});

const RECORD_FIELDS: ReadonlySet<string> = new Set(ITEM_RECORD_FIELDS);

/** The item a stream image holds, checked against the item contract; `side` names the image in errors. */
export function readStoredItem(image: Record<string, AttributeValue>, side: string): StoredItem {
  const values = toJsonObject(image);
  if ("deleted_at" in values) {
    const parsed = tombstoneSchema.safeParse(values);
    if (!parsed.success) throw new UnpublishableRecordError(describeIssues(parsed.error, side));
    const { id, owner, version, last_request_id, deleted_at } = parsed.data;
    return { kind: "tombstone", id, owner, version, lastRequestId: last_request_id, deletedAt: deleted_at };
  }
  const parsed = liveItemSchema.safeParse(values);
  if (!parsed.success) throw new UnpublishableRecordError(describeIssues(parsed.error, side));
  const { id, owner, version, last_request_id, updated_at } = parsed.data;
  return {
    kind: "live",
    id,
    owner,
    version,
    lastRequestId: last_request_id,
    updatedAt: updated_at,
    data: dataFields(values),
  };
}

/**
 * The image before a change. Only its version is checked, and a missing one reads as 0: a row written before items
 * carried versions is still a valid starting point, and the new image is held to the whole contract.
 */
export function readPreviousItem(image: Record<string, AttributeValue>, side: string): PreviousItem {
  const values = toJsonObject(image);
  const previous = values.version;
  if (
    previous !== undefined &&
    !(typeof previous === "number" && Number.isInteger(previous) && previous >= 1)
  )
    throw new UnpublishableRecordError(`${side}.version: must be an integer of at least 1`);
  return {
    kind: "deleted_at" in values ? "tombstone" : "live",
    version: typeof previous === "number" ? previous : 0,
    data: dataFields(values),
  };
}

function dataFields(values: Record<string, JsonValue>): Record<string, JsonValue> {
  return Object.fromEntries(Object.entries(values).filter(([field]) => !RECORD_FIELDS.has(field)));
}

/** A DynamoDB image as plain JSON: sets as sorted arrays, binary as base64, numbers beyond 2^53 as strings. */
export function toJsonObject(image: Record<string, AttributeValue>): Record<string, JsonValue> {
  return toJson(unmarshall(image, { wrapNumbers: jsonNumber })) as Record<string, JsonValue>;
}

/** A DynamoDB number as a JSON number where that loses nothing, else as its exact decimal text. */
function jsonNumber(text: string): number | string {
  const number = Number(text);
  return Number.isSafeInteger(number) || (Number.isFinite(number) && String(number) === text) ? number : text;
}

function toJson(value: unknown): JsonValue {
  if (value instanceof Set) return [...value].map(toJson).sort(compareJson);
  if (value instanceof Uint8Array) return Buffer.from(value).toString("base64");
  if (Array.isArray(value)) return value.map(toJson);
  if (value !== null && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, toJson(inner)]));
  return value as JsonValue;
}

const compareJson = (left: JsonValue, right: JsonValue) =>
  JSON.stringify(left) < JSON.stringify(right) ? -1 : JSON.stringify(left) > JSON.stringify(right) ? 1 : 0;
