import { createHash } from "node:crypto";
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { DeletedItem, Item, ListResult } from "../lib/contracts.ts";
import { documentClient } from "../lib/dynamodb.ts";
import { ENV, requireEnv } from "../lib/environment.ts";
import { isConditionalCheckFailure, PermanentError } from "../lib/errors.ts";

const table = () => requireEnv(ENV.itemsTable);

/**
 * A tombstone outlives every command that may still be applied (`COMMAND_MAX_AGE_SECONDS`): until it expires (the
 * items table's TTL removes it), a late create cannot resurrect the item and a late update finds it deleted.
 */
export const TOMBSTONE_RETENTION_SECONDS = 30 * 24 * 60 * 60;

/**
 * Outcomes travel over WebSocket (128 KB a frame), SQS (256 KiB) and DynamoDB (400 KB an item): a list page
 * stops adding items at this many bytes of JSON, well inside all three with the frame around it.
 */
export const LIST_PAGE_BUDGET_BYTES = 96 * 1024;

/** The stored row: an item, or the tombstone a delete leaves. */
interface StoredItem {
  id: string;
  owner: string;
  version: number;
  /** Orders changes: `<requestedAt, 15 digits>#<requestId>` of the last change applied. */
  change_key: string;
  last_request_id: string;
  name?: string;
  description?: string;
  created_at?: string;
  updated_at?: string;
  deleted_at?: string;
  expires_at?: number;
}

/** Who asks, and the command's place in time: what every change is conditioned on. */
export interface ChangeContext {
  readonly owner: string;
  readonly requestId: string;
  /** API Gateway's `requestTimeEpoch` of the command. */
  readonly requestedAt: number;
}

export interface NewItem {
  name: string;
  description?: string | undefined;
}

/**
 * The id of the item a create command makes: a name-based UUID (RFC 9562 version 5 layout, SHA-1) of the
 * command's request id. Redelivery and DLQ redrive carry the same request id, so every attempt names the same
 * item, and no client can choose it (request ids come from API Gateway).
 */
export function itemIdFor(requestId: string): string {
  const hash = createHash("sha1").update(`item:${requestId}`).digest();
  hash[6] = ((hash[6] as number) & 0x0f) | 0x50;
  hash[8] = ((hash[8] as number) & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Sorts as the commands were accepted; equal times fall back to the request id, so the order is total. */
export function changeKeyOf(change: ChangeContext): string {
  return `${String(change.requestedAt).padStart(15, "0")}#${change.requestId}`;
}

function publicView(stored: StoredItem): Item {
  const item: Item = {
    id: stored.id,
    name: String(stored.name),
    created_at: String(stored.created_at),
    updated_at: String(stored.updated_at),
    version: stored.version,
  };
  if (stored.description !== undefined) item.description = stored.description;
  return item;
}

function notFound(id: string): PermanentError {
  return new PermanentError("NOT_FOUND", `item ${id} does not exist`);
}

async function readStored(id: string): Promise<StoredItem | undefined> {
  const { Item } = await documentClient.send(
    new GetCommand({ TableName: table(), Key: { id }, ConsistentRead: true }),
  );
  return Item as StoredItem | undefined;
}

/**
 * Creates the item once. Its id derives from the request id, so if the conditional put finds it, this very
 * command created it before (a redelivery, or a redrive from the DLQ): the answer is what is stored, and a
 * tombstone stays a tombstone, so a late copy of a create never brings a deleted item back.
 */
export async function createItem(
  fields: NewItem,
  change: ChangeContext,
  now: Date,
): Promise<Item | DeletedItem> {
  const id = itemIdFor(change.requestId);
  const timestamp = now.toISOString();
  const stored: StoredItem = {
    id,
    owner: change.owner,
    ...fields,
    created_at: timestamp,
    updated_at: timestamp,
    version: 1,
    change_key: changeKeyOf(change),
    last_request_id: change.requestId,
  };
  try {
    await documentClient.send(
      new PutCommand({ TableName: table(), Item: stored, ConditionExpression: "attribute_not_exists(id)" }),
    );
    return publicView(stored);
  } catch (error) {
    if (!isConditionalCheckFailure(error)) throw error;
    const existing = await readStored(id);
    if (!existing) throw new Error(`Item ${id} was reported present but cannot be read`);
    // Only a request id shared by two users could lead here; the other user's item is never this one's answer.
    if (existing.owner !== change.owner)
      throw new PermanentError("CONFLICT", `the id derived from request ${change.requestId} is taken`);
    return existing.deleted_at ? { id, deleted: true, version: existing.version } : publicView(existing);
  }
}

/** The caller's item; another user's item, a deleted one and a missing one are all the same NOT_FOUND. */
export async function requireItem(id: string, owner: string): Promise<Item> {
  const stored = await readStored(id);
  if (!stored || stored.owner !== owner || stored.deleted_at) throw notFound(id);
  return publicView(stored);
}

/**
 * A page of the caller's items, newest first, from the owner index (deleted items have left it). The page
 * holds at most `limit` items and at most `LIST_PAGE_BUDGET_BYTES` of JSON; `lastKey` resumes after its last
 * item, and only for the same user.
 */
export async function listItems(
  owner: string,
  limit: number,
  lastKey: string | undefined,
): Promise<ListResult> {
  const { Items = [], LastEvaluatedKey } = await documentClient.send(
    new QueryCommand({
      TableName: table(),
      IndexName: requireEnv(ENV.itemsByOwnerIndex),
      KeyConditionExpression: "#owner = :owner",
      ExpressionAttributeNames: { "#owner": "owner" },
      ExpressionAttributeValues: { ":owner": owner },
      ScanIndexForward: false,
      Limit: limit,
      ExclusiveStartKey: decodeLastKey(lastKey, owner),
    }),
  );
  const items: Item[] = [];
  let bytes = 0;
  for (const stored of Items as StoredItem[]) {
    const item = publicView(stored);
    const size = Buffer.byteLength(JSON.stringify(item)) + 1;
    if (items.length > 0 && bytes + size > LIST_PAGE_BUDGET_BYTES) break;
    items.push(item);
    bytes += size;
  }
  const result: ListResult = { items, count: items.length };
  const last = items.at(-1);
  const truncated = items.length < Items.length;
  if (last && (truncated || LastEvaluatedKey)) {
    result.lastKey = encodeLastKey({ id: last.id, owner, created_at: last.created_at });
  }
  return result;
}

/**
 * Applies the changes if the item is the caller's, is not deleted, and no change accepted after this one was
 * applied first. A redelivery of an update already applied answers the item as it is; an older update that
 * arrives late is a CONFLICT and changes nothing.
 */
export async function updateItem(
  id: string,
  changes: Partial<NewItem>,
  change: ChangeContext,
  now: Date,
): Promise<Item> {
  const assignments = [
    "updated_at = :updated_at",
    "version = version + :one",
    "change_key = :change_key",
    "last_request_id = :request_id",
  ];
  const values: Record<string, unknown> = {
    ":updated_at": now.toISOString(),
    ":one": 1,
    ":change_key": changeKeyOf(change),
    ":request_id": change.requestId,
    ":owner": change.owner,
  };
  const names: Record<string, string> = { "#owner": "owner" };
  for (const [field, value] of Object.entries(changes)) {
    if (value === undefined) continue;
    // `name` is a DynamoDB reserved word, so every field goes through a placeholder.
    names[`#${field}`] = field;
    values[`:${field}`] = value;
    assignments.push(`#${field} = :${field}`);
  }
  try {
    const { Attributes } = await documentClient.send(
      new UpdateCommand({
        TableName: table(),
        Key: { id },
        UpdateExpression: `SET ${assignments.join(", ")}`,
        ConditionExpression:
          "attribute_exists(id) AND #owner = :owner AND attribute_not_exists(deleted_at) AND change_key < :change_key",
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ReturnValues: "ALL_NEW",
      }),
    );
    return publicView(Attributes as StoredItem);
  } catch (error) {
    if (!isConditionalCheckFailure(error)) throw error;
    const stored = await readStored(id);
    if (!stored || stored.owner !== change.owner || stored.deleted_at) throw notFound(id);
    if (stored.last_request_id === change.requestId) return publicView(stored);
    throw new PermanentError(
      "CONFLICT",
      // Whether this update was applied before that one (its outcome lost and redelivered) or never, the item now
      // holds the later change: this one is superseded either way.
      `item ${id} was changed by a request accepted after this one, which supersedes this update`,
    );
  }
}

/**
 * Deletes the caller's item by leaving a tombstone: the row keeps its id, owner and a higher version, loses its
 * fields (and so leaves the owner index), and expires after `TOMBSTONE_RETENTION_SECONDS`. Deleting an item the
 * caller already deleted succeeds again; a delete accepted before a change that was applied first is a CONFLICT.
 */
export async function deleteItem(id: string, change: ChangeContext, now: Date): Promise<DeletedItem> {
  try {
    const { Attributes } = await documentClient.send(
      new UpdateCommand({
        TableName: table(),
        Key: { id },
        UpdateExpression:
          "SET deleted_at = :now, version = version + :one, change_key = :change_key, last_request_id = :request_id, expires_at = :expires_at REMOVE #name, description, created_at, updated_at",
        ConditionExpression:
          "attribute_exists(id) AND #owner = :owner AND attribute_not_exists(deleted_at) AND change_key < :change_key",
        ExpressionAttributeNames: { "#owner": "owner", "#name": "name" },
        ExpressionAttributeValues: {
          ":now": now.toISOString(),
          ":one": 1,
          ":change_key": changeKeyOf(change),
          ":request_id": change.requestId,
          ":owner": change.owner,
          ":expires_at": Math.floor(now.getTime() / 1000) + TOMBSTONE_RETENTION_SECONDS,
        },
        ReturnValues: "ALL_NEW",
      }),
    );
    return { id, deleted: true, version: (Attributes as StoredItem).version };
  } catch (error) {
    if (!isConditionalCheckFailure(error)) throw error;
    const stored = await readStored(id);
    if (!stored || stored.owner !== change.owner) throw notFound(id);
    if (stored.deleted_at) return { id, deleted: true, version: stored.version };
    throw new PermanentError(
      "CONFLICT",
      `item ${id} was changed by a request accepted after this delete; it was not deleted`,
    );
  }
}

/** Page tokens are opaque to clients: base64url of the index key, bound to the user who listed. */
export function encodeLastKey(key: { id: string; owner: string; created_at: string }): string {
  return Buffer.from(JSON.stringify(key)).toString("base64url");
}

export function decodeLastKey(token: string | undefined, owner: string): Record<string, string> | undefined {
  if (token === undefined) return undefined;
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
  } catch {
    key = undefined;
  }
  const fields = key as Partial<Record<"id" | "owner" | "created_at", unknown>> | undefined;
  const wellFormed =
    typeof key === "object" &&
    key !== null &&
    Object.keys(key).length === 3 &&
    typeof fields?.id === "string" &&
    /^[0-9a-f-]{36}$/.test(fields.id) &&
    typeof fields.created_at === "string" &&
    !Number.isNaN(Date.parse(fields.created_at)) &&
    fields.owner === owner;
  if (!wellFormed)
    throw new PermanentError(
      "VALIDATION",
      "query.lastKey: is not a page token returned by a previous list of yours",
    );
  return { id: String(fields?.id), owner, created_at: String(fields?.created_at) };
}
