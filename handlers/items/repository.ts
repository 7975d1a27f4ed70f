import { DeleteCommand, GetCommand, PutCommand, ScanCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { Item, ListResult } from "../lib/contracts.ts";
import { documentClient } from "../lib/dynamodb.ts";
import { ENV, requireEnv } from "../lib/environment.ts";
import { isConditionalCheckFailure, PermanentError } from "../lib/errors.ts";

const table = () => requireEnv(ENV.itemsTable);

export interface NewItem {
  name: string;
  description?: string | undefined;
}

/**
 * Creates the item once: a redelivered message carries the same id, so the conditional put fails and
 * the item stored by the first delivery is returned instead of a duplicate.
 */
export async function createItem(id: string, fields: NewItem, now: Date): Promise<Item> {
  const timestamp = now.toISOString();
  const item: Item = { id, ...fields, created_at: timestamp, updated_at: timestamp };
  try {
    await documentClient.send(
      new PutCommand({ TableName: table(), Item: item, ConditionExpression: "attribute_not_exists(id)" }),
    );
    return item;
  } catch (error) {
    if (!isConditionalCheckFailure(error)) throw error;
    const existing = await getItem(id);
    if (!existing) throw new Error(`Item ${id} was reported present but cannot be read`);
    return existing;
  }
}

export async function getItem(id: string): Promise<Item | undefined> {
  const { Item } = await documentClient.send(
    new GetCommand({ TableName: table(), Key: { id }, ConsistentRead: true }),
  );
  return Item as Item | undefined;
}

export async function requireItem(id: string): Promise<Item> {
  const item = await getItem(id);
  if (!item) throw new PermanentError("NOT_FOUND", `item ${id} does not exist`);
  return item;
}

export async function listItems(limit: number, lastKey: string | undefined): Promise<ListResult> {
  const { Items = [], LastEvaluatedKey } = await documentClient.send(
    new ScanCommand({ TableName: table(), Limit: limit, ExclusiveStartKey: decodeLastKey(lastKey) }),
  );
  const result: ListResult = { items: Items as Item[], count: Items.length };
  if (LastEvaluatedKey) result.lastKey = encodeLastKey(LastEvaluatedKey);
  return result;
}

export async function updateItem(id: string, changes: Partial<NewItem>, now: Date): Promise<Item> {
  const assignments = ["updated_at = :updated_at"];
  const values: Record<string, unknown> = { ":updated_at": now.toISOString() };
  const names: Record<string, string> = {};
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
        ConditionExpression: "attribute_exists(id)",
        ExpressionAttributeNames: Object.keys(names).length > 0 ? names : undefined,
        ExpressionAttributeValues: values,
        ReturnValues: "ALL_NEW",
      }),
    );
    return Attributes as Item;
  } catch (error) {
    if (isConditionalCheckFailure(error)) throw new PermanentError("NOT_FOUND", `item ${id} does not exist`);
    throw error;
  }
}

export async function deleteItem(id: string): Promise<Item> {
  try {
    const { Attributes } = await documentClient.send(
      new DeleteCommand({
        TableName: table(),
        Key: { id },
        ConditionExpression: "attribute_exists(id)",
        ReturnValues: "ALL_OLD",
      }),
    );
    return Attributes as Item;
  } catch (error) {
    if (isConditionalCheckFailure(error)) throw new PermanentError("NOT_FOUND", `item ${id} does not exist`);
    throw error;
  }
}

/** Page tokens are opaque to clients: base64url of the key, so they cannot be confused with ids. */
export function encodeLastKey(key: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(key)).toString("base64url");
}

export function decodeLastKey(token: string | undefined): Record<string, string> | undefined {
  if (token === undefined) return undefined;
  try {
    const key: unknown = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
    if (
      typeof key === "object" &&
      key !== null &&
      Object.keys(key).length === 1 &&
      typeof (key as { id?: unknown }).id === "string"
    ) {
      return { id: (key as { id: string }).id };
    }
  } catch {
    // reported below
  }
  throw new PermanentError("VALIDATION", "query.lastKey: is not a page token returned by a previous list");
}
