import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import dynalite from "dynalite";
import { resourcesOfType, type TerraformJson } from "./synthesized.ts";

export interface DynamoPeer {
  endpoint: string;
  close(): Promise<void>;
}

/** A DynamoDB protocol server (dynalite, in memory) on 127.0.0.1. */
export async function startDynamo(): Promise<DynamoPeer> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/**
 * Creates every `aws_dynamodb_table` of a synthesized stack, with its keys and global indexes, so the
 * handlers run against the tables the stack actually declares.
 */
export async function createTablesOf(stack: TerraformJson, endpoint: string): Promise<string[]> {
  const client = new DynamoDBClient({
    endpoint,
    region: "eu-west-1",
    credentials: { accessKeyId: "x", secretAccessKey: "x" },
  });
  const names: string[] = [];
  for (const table of Object.values(resourcesOfType(stack, "aws_dynamodb_table"))) {
    const attributes = table.attribute as Array<{ name: string; type: "S" | "N" | "B" }>;
    const indexes = (table.global_secondary_index ?? []) as Array<{ name: string; hash_key: string }>;
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
    names.push(String(table.name));
  }
  client.destroy();
  return names;
}
