/**
 * The domain-event contract: what this service publishes on its event bus when an item changes. The JSON Schemas in
 * `schemas/events/` are the same contract for consumers, and the tests hold the published events to them. A leaf
 * module: the stack (rule patterns) and the publisher's bundle both load it.
 */

/** `source` of every event: the service, and the aggregate it owns. */
export const ITEM_EVENT_SOURCE = "event-crud.items";

/** `detail-type`: the fact, in the past tense. */
export const ITEM_EVENT_TYPES = ["item.created", "item.updated", "item.deleted"] as const;
export type ItemEventType = (typeof ITEM_EVENT_TYPES)[number];

/**
 * `detail.schemaVersion`. Adding an optional field keeps it; renaming, removing or retyping one is a new version,
 * published beside the old one until every consumer has moved.
 */
export const ITEM_EVENT_SCHEMA_VERSION = 1;

/**
 * Attributes of a stored item that describe the record rather than the item: they never appear in `changes`.
 * Every other attribute is item data, so a field the handlers add later is published without a change here.
 */
export const ITEM_RECORD_FIELDS = [
  "id",
  "owner",
  "version",
  "created_at",
  "updated_at",
  "last_request_id",
  // The order key of the change that wrote the row (handlers/items/repository.ts), not item data.
  "change_key",
  "deleted_at",
  "expires_at",
] as const;

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** One changed field: its value before and after; a side is absent when the field did not exist then. */
export interface FieldChange {
  readonly before?: JsonValue;
  readonly after?: JsonValue;
}

/** `detail` of every item event. */
export interface ItemEventDetail {
  readonly schemaVersion: typeof ITEM_EVENT_SCHEMA_VERSION;
  /**
   * The stream record's id. Lambda retries, EventBridge retries and archive replays can deliver one change more
   * than once, always with this key: a consumer drops what it has seen.
   */
  readonly idempotencyKey: string;
  readonly itemId: string;
  /** The Cognito `sub` of the item's owner. */
  readonly owner: string;
  /** The item's version after the change: 1 when created, one more on every update and on the delete. */
  readonly version: number;
  /** The request whose command wrote this version. */
  readonly requestId: string;
  /** When the change was stored (ISO 8601): `updated_at`, or `deleted_at` for a delete. */
  readonly occurredAt: string;
  /** Every item field the change touched; all of them for a create (`after`) and a delete (`before`). */
  readonly changes: Readonly<Record<string, FieldChange>>;
  /**
   * Every item field as this version stored it (creates and updates; a delete has none). Webhook retries and
   * replays deliver out of order, and `changes` of an update holds only what moved: a consumer that keeps the
   * newest version's `state` holds the item, whichever events it skipped or saw late.
   */
  readonly state?: Readonly<Record<string, JsonValue>>;
}

/** EventBridge's size limit of one PutEvents request, and of the entries in it. */
export const PUT_EVENTS_MAX_BYTES = 256 * 1024;
/** EventBridge takes at most ten entries per PutEvents request. */
export const PUT_EVENTS_MAX_ENTRIES = 10;

/** EventBridge's own measure of a PutEvents entry: 14 bytes for the time, plus the UTF-8 bytes of the rest. */
export function putEventsEntrySize(entry: {
  readonly Source?: string | undefined;
  readonly DetailType?: string | undefined;
  readonly Detail?: string | undefined;
  readonly Resources?: readonly string[] | undefined;
}): number {
  const bytes = (text: string | undefined) => new TextEncoder().encode(text ?? "").length;
  return (
    14 +
    bytes(entry.Source) +
    bytes(entry.DetailType) +
    bytes(entry.Detail) +
    (entry.Resources ?? []).reduce((sum, resource) => sum + bytes(resource), 0)
  );
}
