import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { canonicalJson } from "../../handlers/lib/canonical-json.ts";

type Item = Record<string, AttributeValue>;

/** A table whose writes are recorded, with its key attributes. */
export interface RecordedTable {
  readonly name: string;
  readonly keyNames: readonly string[];
}

/** One committed change of one item, with its images: what DynamoDB Streams turns into a stream record. */
export interface ItemChange {
  readonly table: string;
  readonly eventName: "INSERT" | "MODIFY" | "REMOVE";
  readonly keys: Item;
  readonly oldImage?: Item;
  readonly newImage?: Item;
  /** Epoch milliseconds of the commit. */
  readonly committedAt: number;
  /** Set when DynamoDB itself made the change (the TTL deleting an expired item). */
  readonly byService?: boolean;
}

export interface UpstreamResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

/** Sends one DynamoDB request (the client's headers, an operation, a JSON body) to the real store. */
export type Upstream = (operation: string, body: string) => Promise<UpstreamResponse>;

// dynalite has no transactions (TransactWriteItems fails there as an unknown operation), so these are all its writes.
const WRITES = new Set(["PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem"]);

/**
 * Records every committed write to the recorded tables with the item's old and new image, as DynamoDB Streams
 * does, in commit order per item. Writes to one item are serialized here: each reads the item, writes, and reads
 * it again under the item's lock, so no other write through this recorder slips between the images. A write that
 * fails (a condition, a validation error) records nothing, and so does a write that leaves the item as it was,
 * as DynamoDB writes no stream record for it. Everything else passes through untouched.
 */
export class StreamRecorder {
  private readonly tables: Map<string, RecordedTable>;
  private readonly locks = new Map<string, Promise<void>>();

  constructor(
    tables: readonly RecordedTable[],
    private readonly onChange: (change: ItemChange) => void,
    private readonly now: () => number = Date.now,
  ) {
    this.tables = new Map(tables.map((table) => [table.name, table]));
  }

  /** Whether a request must go through `handle` (it may write a recorded table). */
  records(operation: string, body: string): boolean {
    return WRITES.has(operation) && this.keysOf(operation, body).length > 0;
  }

  /** Carries one write out through `upstream` and records what it committed. */
  async handle(
    operation: string,
    body: string,
    upstream: Upstream,
    byService = false,
  ): Promise<UpstreamResponse> {
    const keys = this.keysOf(operation, body);
    const release = await this.lockAll(keys.map((key) => key.lockName));
    try {
      const before = await Promise.all(keys.map((key) => this.read(key, upstream)));
      const response = await upstream(operation, body);
      if (response.status !== 200) return response;
      const after = await Promise.all(keys.map((key) => this.read(key, upstream)));
      const committedAt = this.now();
      keys.forEach((key, index) => {
        const change = describe(key, before[index], after[index], committedAt, byService);
        if (change) this.onChange(change);
      });
      return response;
    } finally {
      release();
    }
  }

  private async read(key: ItemKey, upstream: Upstream): Promise<Item | undefined> {
    const response = await upstream(
      "GetItem",
      JSON.stringify({ TableName: key.table, Key: key.key, ConsistentRead: true }),
    );
    if (response.status !== 200)
      throw new Error(`reading ${key.table} for its stream failed: ${response.body.toString("utf8")}`);
    return (JSON.parse(response.body.toString("utf8")) as { Item?: Item }).Item;
  }

  /** The items a write touches in recorded tables, each once, in a fixed order (so locks never deadlock). */
  private keysOf(operation: string, body: string): ItemKey[] {
    let input: Record<string, unknown>;
    try {
      input = JSON.parse(body) as Record<string, unknown>;
    } catch {
      return [];
    }
    const touched: Array<{ table: string; item: Item }> = [];
    const add = (table: unknown, item: unknown) => {
      if (typeof table === "string" && item && typeof item === "object")
        touched.push({ table, item: item as Item });
    };
    if (operation === "PutItem") add(input.TableName, input.Item);
    if (operation === "UpdateItem" || operation === "DeleteItem") add(input.TableName, input.Key);
    if (operation === "BatchWriteItem")
      for (const [table, requests] of Object.entries((input.RequestItems ?? {}) as Record<string, unknown[]>))
        for (const request of requests as Array<{
          PutRequest?: { Item: Item };
          DeleteRequest?: { Key: Item };
        }>)
          add(table, request.PutRequest?.Item ?? request.DeleteRequest?.Key);
    const keys = new Map<string, ItemKey>();
    for (const { table, item } of touched) {
      const recorded = this.tables.get(table);
      if (!recorded) continue;
      const key = Object.fromEntries(recorded.keyNames.map((name) => [name, item[name] as AttributeValue]));
      const lockName = `${table}\u0000${canonicalJson(key)}`;
      keys.set(lockName, { table, key, lockName });
    }
    return [...keys.values()].sort((left, right) => (left.lockName < right.lockName ? -1 : 1));
  }

  private async lockAll(names: readonly string[]): Promise<() => void> {
    const releases: Array<() => void> = [];
    for (const name of names) releases.push(await this.lock(name));
    return () => {
      for (const release of releases) release();
    };
  }

  private async lock(name: string): Promise<() => void> {
    const previous = this.locks.get(name) ?? Promise.resolve();
    let release = () => {};
    const current = new Promise<void>((resolve) => {
      release = resolve;
    });
    const chained = previous.then(() => current);
    this.locks.set(name, chained);
    await previous;
    return () => {
      release();
      if (this.locks.get(name) === chained) this.locks.delete(name);
    };
  }
}

interface ItemKey {
  readonly table: string;
  readonly key: Item;
  readonly lockName: string;
}

function describe(
  key: ItemKey,
  before: Item | undefined,
  after: Item | undefined,
  committedAt: number,
  byService: boolean,
): ItemChange | undefined {
  if (!before && !after) return undefined;
  if (before && after && canonicalJson(before) === canonicalJson(after)) return undefined;
  const eventName = !before ? "INSERT" : !after ? "REMOVE" : "MODIFY";
  return {
    table: key.table,
    eventName,
    keys: key.key,
    ...(before ? { oldImage: before } : {}),
    ...(after ? { newImage: after } : {}),
    committedAt,
    ...(byService && eventName === "REMOVE" ? { byService: true } : {}),
  };
}
