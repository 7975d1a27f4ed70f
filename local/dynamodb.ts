import path from "node:path";
import { Worker } from "node:worker_threads";
import {
  type AttributeValue,
  CreateTableCommand,
  DeleteItemCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ScanCommand,
} from "@aws-sdk/client-dynamodb";
import type { TableModel } from "../synthesized/service-model.ts";
import type { LocalEmulation } from "./emulations.ts";

export interface DynamoPeer {
  endpoint: string;
  close(): Promise<void>;
}

/**
 * A DynamoDB protocol server (dynalite) on 127.0.0.1, in its own worker thread: in memory, or kept in
 * `dataFolder`.
 */
export async function startDynamo(projectRoot: string, dataFolder?: string): Promise<DynamoPeer> {
  const worker = new Worker(path.join(projectRoot, "local", "dynamo-worker.mjs"), {
    workerData: { dataFolder },
  });
  const port = await new Promise<number>((resolve, reject) => {
    worker.once("error", reject);
    worker.once("message", (message: { port?: number; error?: string }) => {
      if (message.port) return resolve(message.port);
      void worker.terminate();
      reject(new Error(message.error ?? "dynalite did not start"));
    });
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: async () => {
      const closed = new Promise((resolve) => worker.once("message", resolve));
      worker.postMessage("close");
      await closed;
      await worker.terminate();
    },
  };
}

const keySchema = (hashKey: string, rangeKey?: string) => [
  { AttributeName: hashKey, KeyType: "HASH" as const },
  ...(rangeKey ? [{ AttributeName: rangeKey, KeyType: "RANGE" as const }] : []),
];

/** An SDK client for the local DynamoDB: any credentials do. */
export function localClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: "eu-west-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
}

/**
 * Creates each of the stack's tables that does not exist yet, with its keys and global indexes, so handlers run
 * against the tables the stack actually declares. (dynalite has no TTL API: `startTtlSweeper` stands in for it.)
 */
export async function createTables(tables: readonly TableModel[], endpoint: string): Promise<string[]> {
  const client = localClient(endpoint);
  const names: string[] = [];
  for (const table of tables) {
    names.push(table.name);
    const exists = await client
      .send(new DescribeTableCommand({ TableName: table.name }))
      .then(() => true)
      .catch(() => false);
    if (exists) continue;
    await client.send(
      new CreateTableCommand({
        TableName: table.name,
        BillingMode: "PAY_PER_REQUEST",
        AttributeDefinitions: table.attributes.map((attribute) => ({
          AttributeName: attribute.name,
          AttributeType: attribute.type,
        })),
        KeySchema: keySchema(table.hashKey, table.rangeKey),
        GlobalSecondaryIndexes:
          table.indexes.length > 0
            ? table.indexes.map((index) => ({
                IndexName: index.name,
                KeySchema: keySchema(index.hashKey, index.rangeKey),
                Projection: {
                  ProjectionType: index.projection,
                  ...(index.nonKeyAttributes ? { NonKeyAttributes: index.nonKeyAttributes } : {}),
                },
              }))
            : undefined,
      }),
    );
  }
  client.destroy();
  return names;
}

/** DynamoDB's TTL ignores expiry times more than five years in the past (a value in ms, say, by mistake). */
const TTL_OLDEST_SECONDS = 5 * 365 * 24 * 60 * 60;
const SWEEP_PAGE_ITEMS = 500;

/**
 * Does what DynamoDB's background TTL process does, which dynalite lacks: deletes every item of a TTL-enabled
 * table whose TTL attribute is a Number of epoch seconds before `nowSeconds` and no more than five years old.
 * Each delete is conditional on the item still being expired, so an item updated meanwhile stays. Returns the
 * number deleted per table.
 */
export async function deleteExpiredItems(
  tables: readonly TableModel[],
  endpoint: string,
  nowSeconds = Math.floor(Date.now() / 1000),
): Promise<Record<string, number>> {
  const client = localClient(endpoint);
  const deleted: Record<string, number> = {};
  try {
    for (const table of tables) {
      if (!table.ttlAttribute) continue;
      deleted[table.name] = 0;
      const keyNames = [table.hashKey, ...(table.rangeKey ? [table.rangeKey] : [])];
      const names = Object.fromEntries([
        ["#ttl", table.ttlAttribute],
        ...keyNames.map((name, index) => [`#key${index}`, name]),
      ]);
      const expired = "#ttl >= :oldest AND #ttl < :now";
      const values = {
        ":oldest": { N: String(nowSeconds - TTL_OLDEST_SECONDS) },
        ":now": { N: String(nowSeconds) },
      };
      let startKey: Record<string, AttributeValue> | undefined;
      do {
        const page = await client.send(
          new ScanCommand({
            TableName: table.name,
            FilterExpression: expired,
            ProjectionExpression: keyNames.map((_, index) => `#key${index}`).join(", "),
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
            ExclusiveStartKey: startKey,
            // Small pages: dynalite serves one request at a time, so a 1 MB page would hold up the service's own
            // reads and writes for as long as it takes to filter.
            Limit: SWEEP_PAGE_ITEMS,
          }),
        );
        for (const key of page.Items ?? []) {
          const removed = await client
            .send(
              new DeleteItemCommand({
                TableName: table.name,
                Key: key,
                ConditionExpression: expired,
                ExpressionAttributeNames: { "#ttl": table.ttlAttribute },
                ExpressionAttributeValues: values,
              }),
            )
            .then(() => true)
            .catch((error: Error) => {
              if (error.name === "ConditionalCheckFailedException") return false;
              throw error;
            });
          if (removed) deleted[table.name] = (deleted[table.name] ?? 0) + 1;
        }
        startKey = page.LastEvaluatedKey;
      } while (startKey);
    }
  } finally {
    client.destroy();
  }
  return deleted;
}

/**
 * Runs `deleteExpiredItems` now and every `intervalMs`, one sweep at a time, logging what it deleted. DynamoDB
 * deletes expired items within a day or two; a few minutes locally is no later than a deployed table and often
 * enough to watch.
 */
export async function startTtlSweeper(
  tables: readonly TableModel[],
  endpoint: string,
  log: (line: string) => void,
  intervalMs: number,
): Promise<{ stop(): void }> {
  let sweeping = false;
  const sweep = async () => {
    if (sweeping) return;
    sweeping = true;
    try {
      const deleted = await deleteExpiredItems(tables, endpoint);
      for (const [table, count] of Object.entries(deleted))
        if (count > 0) log(`ttl ${table}: deleted ${count} expired item${count === 1 ? "" : "s"}`);
    } catch (error) {
      log(`ttl sweep failed: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      sweeping = false;
    }
  };
  await sweep();
  const timer = setInterval(sweep, intervalMs);
  return { stop: () => clearInterval(timer) };
}

/** DynamoDB for the runner: dynalite serves every table under its stack name. */
export const dynamoEmulation: LocalEmulation = {
  service: "DynamoDB",
  references: {
    aws_dynamodb_table: (table, attribute) => (attribute === "name" ? String(table.values.name) : undefined),
  },
};
