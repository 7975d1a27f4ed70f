import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  DescribeTableCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createTables,
  type DynamoPeer,
  deleteExpiredItems,
  localClient,
  startDynamo,
  startTtlSweeper,
} from "../../local/dynamodb.ts";
import { readTables } from "../../synthesized/service-model.ts";
import { synthesizedStack } from "../support/synthesized.ts";

const tables = readTables(synthesizedStack("dev"));
let dynamo: DynamoPeer;
let client: DynamoDBClient;

beforeAll(async () => {
  dynamo = await startDynamo(process.cwd());
  await createTables(tables, dynamo.endpoint);
  client = localClient(dynamo.endpoint);
});

afterAll(async () => {
  client.destroy();
  await dynamo.close();
});

describe("local tables", () => {
  it("have the keys, indexes and TTL the stack declares", async () => {
    expect(tables.map((spec) => spec.name).sort()).toEqual([
      "crud-dev-connections",
      "crud-dev-items",
      "crud-dev-job-runs",
      "crud-dev-requests",
    ]);
    for (const spec of tables) {
      const { Table } = await client.send(new DescribeTableCommand({ TableName: spec.name }));
      expect(Table?.KeySchema).toEqual([{ AttributeName: spec.hashKey, KeyType: "HASH" }]);
      expect((Table?.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName)).toEqual(
        spec.indexes.map((index) => index.name),
      );
    }
    expect(tables.find((spec) => spec.name === "crud-dev-connections")?.ttlAttribute).toBe("expiresAt");
  });

  it("lose expired items to the TTL sweep, as DynamoDB's TTL deletes them", async () => {
    const now = 1_800_000_000;
    const put = (requestId: string, expiresAt: { N: string } | { S: string } | undefined) =>
      client.send(
        new PutItemCommand({
          TableName: "crud-dev-requests",
          Item: { requestId: { S: requestId }, ...(expiresAt ? { expiresAt } : {}) },
        }),
      );
    await put("expired", { N: String(now - 1) });
    await put("expires-now", { N: String(now) });
    await put("live", { N: String(now + 3600) });
    await put("no-ttl", undefined);
    await put("string-ttl", { S: String(now - 1) });
    await put("six-years-old", { N: String(now - 6 * 365 * 24 * 3600) });
    await put("milliseconds", { N: String((now + 60) * 1000) });

    const deleted = await deleteExpiredItems(tables, dynamo.endpoint, now);

    expect(deleted).toEqual({
      "crud-dev-connections": 0,
      "crud-dev-items": 0,
      "crud-dev-job-runs": 0,
      "crud-dev-requests": 1,
    });
    const remaining = async (requestId: string) =>
      Boolean(
        (
          await client.send(
            new GetItemCommand({ TableName: "crud-dev-requests", Key: { requestId: { S: requestId } } }),
          )
        ).Item,
      );
    expect(await remaining("expired")).toBe(false);
    for (const kept of ["expires-now", "live", "no-ttl", "string-ttl", "six-years-old", "milliseconds"])
      expect(await remaining(kept), kept).toBe(true);
    expect(await deleteExpiredItems(tables, dynamo.endpoint, now + 1)).toEqual({
      "crud-dev-connections": 0,
      "crud-dev-items": 0,
      "crud-dev-job-runs": 0,
      "crud-dev-requests": 1,
    });
    expect(await remaining("expires-now")).toBe(false);
  });
});

describe("the TTL sweeper", () => {
  it("sweeps when it starts and logs what it deleted", async () => {
    await client.send(
      new PutItemCommand({
        TableName: "crud-dev-connections",
        Item: {
          connectionId: { S: "gone" },
          requestId: { S: "r" },
          expiresAt: { N: String(Math.floor(Date.now() / 1000) - 60) },
        },
      }),
    );
    const lines: string[] = [];
    const sweeper = await startTtlSweeper(tables, dynamo.endpoint, (line) => lines.push(line), 3_600_000);
    sweeper.stop();
    expect(lines).toEqual(["ttl crud-dev-connections: deleted 1 expired item"]);
  });
});

describe("a --data folder", () => {
  it("keeps tables across restarts and is refused, with the reason, while another runner holds it", async () => {
    const folder = mkdtempSync(path.join(tmpdir(), "dynalite-"));
    try {
      const first = await startDynamo(process.cwd(), folder);
      await createTables(tables, first.endpoint);
      await expect(startDynamo(process.cwd(), folder)).rejects.toThrow(
        `--data ${folder} is in use by another process`,
      );
      await first.close();

      const second = await startDynamo(process.cwd(), folder);
      const reopened = localClient(second.endpoint);
      const { Table } = await reopened.send(new DescribeTableCommand({ TableName: "crud-dev-items" }));
      expect(Table?.TableStatus).toBe("ACTIVE");
      reopened.destroy();
      await second.close();
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it("that is a file is refused with the reason", async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), "dynalite-")), "file");
    writeFileSync(file, "not a folder");
    await expect(startDynamo(process.cwd(), file)).rejects.toThrow(`--data ${file} cannot be opened`);
    rmSync(path.dirname(file), { recursive: true, force: true });
  });
});
