import path from "node:path";
import { Worker } from "node:worker_threads";
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  UpdateTimeToLiveCommand,
} from "@aws-sdk/client-dynamodb";
import { resourcesOf, type StackJson } from "../policy/stack-json.ts";

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
    worker.once("message", (message: { port: number }) => resolve(message.port));
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

/**
 * Creates every `aws_dynamodb_table` of a synthesized stack that does not exist yet, with its keys, global
 * indexes and TTL, so handlers run against the tables the stack actually declares.
 */
export async function createTablesOf(stack: StackJson, endpoint: string): Promise<string[]> {
  const client = new DynamoDBClient({
    endpoint,
    region: "eu-west-1",
    credentials: { accessKeyId: "x", secretAccessKey: "x" },
  });
  const names: string[] = [];
  for (const { values: table } of resourcesOf(stack, "aws_dynamodb_table")) {
    const attributes = table.attribute as Array<{ name: string; type: "S" | "N" | "B" }>;
    const indexes = (table.global_secondary_index ?? []) as Array<{ name: string; hash_key: string }>;
    const exists = await client
      .send(new DescribeTableCommand({ TableName: String(table.name) }))
      .then(() => true)
      .catch(() => false);
    if (exists) {
      names.push(String(table.name));
      continue;
    }
    await client.send(
      new CreateTableCommand({
        TableName: String(table.name),
        BillingMode: "PAY_PER_REQUEST",
        AttributeDefinitions: attributes.map((attribute) => ({
          AttributeName: attribute.name,
          AttributeType: attribute.type,
        })),
        KeySchema: [{ AttributeName: String(table.hash_key), KeyType: "HASH" }],
        GlobalSecondaryIndexes:
          indexes.length > 0
            ? indexes.map((index) => ({
                IndexName: index.name,
                KeySchema: [{ AttributeName: index.hash_key, KeyType: "HASH" }],
                Projection: { ProjectionType: "ALL" },
              }))
            : undefined,
      }),
    );
    const ttl = table.ttl as { attribute_name?: string; enabled?: boolean } | undefined;
    if (ttl?.enabled && ttl.attribute_name) {
      // dynalite has no TTL (UnknownOperationException): items do not expire locally, which only delays clean-up.
      await client
        .send(
          new UpdateTimeToLiveCommand({
            TableName: String(table.name),
            TimeToLiveSpecification: { AttributeName: ttl.attribute_name, Enabled: true },
          }),
        )
        .catch((error: Error) => {
          if (error.name !== "UnknownOperationException") throw error;
        });
    }
    names.push(String(table.name));
  }
  client.destroy();
  return names;
}
