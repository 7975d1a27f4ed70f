import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import type { DynamoDBRecord } from "aws-lambda";
import { canonicalJson } from "../lib/canonical-json.ts";
import {
  type FieldChange,
  ITEM_EVENT_SCHEMA_VERSION,
  type ItemEventDetail,
  type ItemEventType,
  type JsonValue,
} from "./contract.ts";
import {
  type PreviousItem,
  readPreviousItem,
  readStoredItem,
  type StoredItem,
  UnpublishableRecordError,
} from "./stored-item.ts";

/** What one stream record becomes: an event, nothing (with why), or a record a person must look at. */
export type ChangeDecision =
  | {
      readonly kind: "publish";
      readonly record: DynamoDBRecord;
      readonly detailType: ItemEventType;
      readonly detail: ItemEventDetail;
    }
  | { readonly kind: "skip"; readonly record: DynamoDBRecord; readonly reason: string }
  | { readonly kind: "unpublishable"; readonly record: DynamoDBRecord; readonly reason: string };

type Image = Record<string, AttributeValue>;

/**
 * Decides what a stream record of the items table means, by the item contract: an INSERT of a live item is
 * `item.created`; a MODIFY that raises the version is `item.updated` (live to live), `item.deleted` (live to
 * tombstone) or `item.created` (tombstone to live); a MODIFY that keeps the version is a redelivered command
 * rewriting what it wrote, and the TTL's REMOVE of a tombstone is housekeeping: neither is an event. Anything that
 * breaks the contract (a version going down, a live item removed without a tombstone, a malformed image) is
 * unpublishable.
 */
export function decideChange(record: DynamoDBRecord): ChangeDecision {
  try {
    return decide(record);
  } catch (error) {
    if (error instanceof UnpublishableRecordError)
      return { kind: "unpublishable", record, reason: error.message };
    throw error;
  }
}

function decide(record: DynamoDBRecord): ChangeDecision {
  const stream = record.dynamodb ?? {};
  const newImage = stream.NewImage as Image | undefined;
  const oldImage = stream.OldImage as Image | undefined;
  const skip = (reason: string): ChangeDecision => ({ kind: "skip", record, reason });
  const needsImages = (...images: Array<Image | undefined>) => {
    if (images.some((image) => image === undefined))
      throw new UnpublishableRecordError(
        `${record.eventName} record without its images: the stream must be NEW_AND_OLD_IMAGES, is ${stream.StreamViewType}`,
      );
  };
  switch (record.eventName) {
    case "INSERT": {
      needsImages(newImage);
      const item = readStoredItem(newImage as Image, "NewImage");
      if (item.kind === "tombstone") return skip("a tombstone was written for an item that did not exist");
      return publish(record, "item.created", item, created(item.data));
    }
    case "MODIFY": {
      needsImages(newImage, oldImage);
      const item = readStoredItem(newImage as Image, "NewImage");
      const previous = readPreviousItem(oldImage as Image, "OldImage");
      if (item.version < previous.version)
        throw new UnpublishableRecordError(
          `the version went down from ${previous.version} to ${item.version}: the store never goes back`,
        );
      if (item.version === previous.version)
        return skip(`version ${item.version} was rewritten unchanged in version (a redelivered command)`);
      return modified(record, previous, item);
    }
    case "REMOVE": {
      needsImages(oldImage);
      const previous = readPreviousItem(oldImage as Image, "OldImage");
      if (previous.kind === "tombstone") return skip("the tombstone of a deleted item expired");
      throw new UnpublishableRecordError(
        "a live item was removed without a tombstone: no version records its deletion",
      );
    }
    default:
      throw new UnpublishableRecordError(`unknown stream event name ${JSON.stringify(record.eventName)}`);
  }
}

function modified(record: DynamoDBRecord, previous: PreviousItem, item: StoredItem): ChangeDecision {
  if (item.kind === "tombstone") {
    if (previous.kind === "tombstone")
      return { kind: "skip", record, reason: "the tombstone of a deleted item was rewritten" };
    return publish(record, "item.deleted", item, deleted(previous.data));
  }
  if (previous.kind === "tombstone") return publish(record, "item.created", item, created(item.data));
  return publish(record, "item.updated", item, updated(previous.data, item.data));
}

function publish(
  record: DynamoDBRecord,
  detailType: ItemEventType,
  item: StoredItem,
  changes: Record<string, FieldChange>,
): ChangeDecision {
  if (!record.eventID)
    throw new UnpublishableRecordError("the record has no eventID to serve as idempotency key");
  return {
    kind: "publish",
    record,
    detailType,
    detail: {
      schemaVersion: ITEM_EVENT_SCHEMA_VERSION,
      idempotencyKey: record.eventID,
      itemId: item.id,
      owner: item.owner,
      version: item.version,
      requestId: item.lastRequestId,
      occurredAt: item.kind === "live" ? item.updatedAt : item.deletedAt,
      changes,
      ...(item.kind === "live" ? { state: item.data } : {}),
    },
  };
}

const created = (data: Readonly<Record<string, JsonValue>>) =>
  Object.fromEntries(Object.entries(data).map(([field, after]) => [field, { after }]));

const deleted = (data: Readonly<Record<string, JsonValue>>) =>
  Object.fromEntries(Object.entries(data).map(([field, before]) => [field, { before }]));

function updated(
  before: Readonly<Record<string, JsonValue>>,
  after: Readonly<Record<string, JsonValue>>,
): Record<string, FieldChange> {
  const changes: Record<string, FieldChange> = {};
  for (const field of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const [was, is] = [before[field], after[field]];
    if (canonicalJson(was) === canonicalJson(is)) continue;
    changes[field] = {
      ...(was === undefined ? {} : { before: was }),
      ...(is === undefined ? {} : { after: is }),
    };
  }
  return changes;
}
