import { randomUUID } from "node:crypto";
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";

/** A live item as the item contract stores it. */
export interface LiveRow {
  id: string;
  owner: string;
  name: string;
  description?: string;
  created_at: string;
  updated_at: string;
  version: number;
  last_request_id: string;
}

/** Seconds a tombstone outlives its delete: longer than any queue keeps a command. */
const TOMBSTONE_SECONDS = 15 * 24 * 60 * 60;

/**
 * Writes items to the items table exactly as the item contract says the handlers do (versions, owner, last request
 * id, tombstones), each write conditional on the version it read. The event pipeline's tests and benchmark write
 * through this, so they hold whatever writes the rows to the contract rather than one handler's code; it also
 * drives a running `npm run local` by hand (its DynamoDB endpoint is printed at start).
 */
export class ItemRows {
  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly owner = "user-sub-1",
  ) {}

  async create(
    fields: { name: string; description?: string },
    requestId: string = randomUUID(),
  ): Promise<LiveRow> {
    const now = new Date().toISOString();
    const row: LiveRow = {
      id: randomUUID(),
      owner: this.owner,
      ...fields,
      created_at: now,
      updated_at: now,
      version: 1,
      last_request_id: requestId,
    };
    await this.documents.send(
      new PutCommand({ TableName: this.table, Item: row, ConditionExpression: "attribute_not_exists(id)" }),
    );
    return row;
  }

  /** Sets the given fields (`null` removes one) and raises the version by one. */
  async update(
    id: string,
    changes: { name?: string; description?: string | null },
    requestId: string = randomUUID(),
  ): Promise<LiveRow> {
    const current = await this.read(id);
    const sets = ["version = :next", "updated_at = :now", "last_request_id = :request"];
    const removes: string[] = [];
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {
      ":next": Number(current.version) + 1,
      ":now": new Date().toISOString(),
      ":request": requestId,
      ":expected": current.version,
    };
    for (const [field, value] of Object.entries(changes)) {
      names[`#${field}`] = field;
      if (value === null) removes.push(`#${field}`);
      else {
        sets.push(`#${field} = :${field}`);
        values[`:${field}`] = value;
      }
    }
    const { Attributes } = await this.documents.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { id },
        UpdateExpression: `SET ${sets.join(", ")}${removes.length > 0 ? ` REMOVE ${removes.join(", ")}` : ""}`,
        ConditionExpression: "version = :expected",
        ExpressionAttributeNames: Object.keys(names).length > 0 ? names : undefined,
        ExpressionAttributeValues: values,
        ReturnValues: "ALL_NEW",
      }),
    );
    return Attributes as LiveRow;
  }

  /** Replaces the item by its tombstone, one version up. */
  async delete(id: string, requestId: string = randomUUID()): Promise<void> {
    const current = await this.read(id);
    const now = new Date();
    await this.documents.send(
      new PutCommand({
        TableName: this.table,
        Item: {
          id,
          owner: current.owner,
          version: Number(current.version) + 1,
          deleted_at: now.toISOString(),
          last_request_id: requestId,
          expires_at: Math.floor(now.getTime() / 1000) + TOMBSTONE_SECONDS,
        },
        ConditionExpression: "version = :expected",
        ExpressionAttributeValues: { ":expected": current.version },
      }),
    );
  }

  /** What a redelivered command does: writes the version it already wrote again (a new timestamp, same version). */
  async rewriteSameVersion(id: string): Promise<void> {
    const current = await this.read(id);
    await this.documents.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { id },
        UpdateExpression: "SET updated_at = :now",
        ConditionExpression: "version = :expected",
        ExpressionAttributeValues: { ":now": new Date().toISOString(), ":expected": current.version },
      }),
    );
  }

  async read(id: string): Promise<Record<string, unknown>> {
    const { Item } = await this.documents.send(
      new GetCommand({ TableName: this.table, Key: { id }, ConsistentRead: true }),
    );
    if (!Item) throw new Error(`no item ${id} in ${this.table}`);
    return Item;
  }
}
