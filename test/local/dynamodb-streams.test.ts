import {
  BatchWriteItemCommand,
  DeleteItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import type { DynamoDBRecord } from "aws-lambda";
import { createTables, type DynamoPeer, localClient, startDynamo } from "../../local/dynamodb.ts";
import {
  LocalStreams,
  type StreamRecorderPeer,
  startStreamRecorder,
} from "../../local/dynamodb-streams/streams.ts";
import type { TableModel } from "../../synthesized/service-model.ts";

const ITEMS: TableModel = {
  name: "streamed-items",
  hashKey: "id",
  attributes: [{ name: "id", type: "S" }],
  indexes: [],
};
const PLAIN: TableModel = { ...ITEMS, name: "plain" };

describe("DynamoDB Streams, locally: a recording endpoint in front of dynalite", () => {
  let dynamo: DynamoPeer;
  let recorder: StreamRecorderPeer;
  let streams: LocalStreams;
  let client: ReturnType<typeof localClient>;

  beforeAll(async () => {
    dynamo = await startDynamo(process.cwd());
    await createTables([ITEMS, PLAIN], dynamo.endpoint);
    streams = new LocalStreams([{ name: ITEMS.name, viewType: "NEW_AND_OLD_IMAGES" }], {
      region: "eu-west-1",
      account: "000000000000",
    });
    recorder = await startStreamRecorder(process.cwd(), dynamo.endpoint, [ITEMS, PLAIN], streams);
    client = localClient(recorder.endpoint);
  });
  afterAll(async () => {
    client?.destroy();
    await recorder?.close();
    await dynamo?.close();
  });

  /** Every record of the table's stream so far, in sequence order across shards. */
  const allRecords = () =>
    streams
      .shardIds(ITEMS.name)
      .flatMap((shard) => streams.read(ITEMS.name, shard, undefined, 10_000))
      .sort((left, right) =>
        String(left.dynamodb?.SequenceNumber) < String(right.dynamodb?.SequenceNumber) ? -1 : 1,
      );
  const recordsOf = (id: string) => allRecords().filter((record) => record.dynamodb?.Keys?.id?.S === id);
  /** The stream reaches the runner through a worker's messages: wait until it has caught up. */
  const settled = async (id: string, count: number) => {
    for (let waited = 0; waited < 5000 && recordsOf(id).length < count; waited += 10)
      await new Promise((resolve) => setTimeout(resolve, 10));
    return recordsOf(id);
  };
  const summary = (record: DynamoDBRecord) => ({
    eventName: record.eventName,
    old: record.dynamodb?.OldImage?.name?.S,
    new: record.dynamodb?.NewImage?.name?.S,
  });

  it("records each committed write once, with its old and new image", async () => {
    const id = "lamp";
    await client.send(
      new PutItemCommand({ TableName: ITEMS.name, Item: { id: { S: id }, name: { S: "Lamp" } } }),
    );
    await client.send(
      new UpdateItemCommand({
        TableName: ITEMS.name,
        Key: { id: { S: id } },
        UpdateExpression: "SET #name = :name",
        ExpressionAttributeNames: { "#name": "name" },
        ExpressionAttributeValues: { ":name": { S: "Desk lamp" } },
      }),
    );
    await client.send(new DeleteItemCommand({ TableName: ITEMS.name, Key: { id: { S: id } } }));

    const records = await settled(id, 3);
    expect(records.map(summary)).toEqual([
      { eventName: "INSERT", old: undefined, new: "Lamp" },
      { eventName: "MODIFY", old: "Lamp", new: "Desk lamp" },
      { eventName: "REMOVE", old: "Desk lamp", new: undefined },
    ]);
    for (const record of records) {
      expect(record).toMatchObject({
        eventSource: "aws:dynamodb",
        awsRegion: "eu-west-1",
        eventSourceARN: streams.streamArn(ITEMS.name),
        dynamodb: { Keys: { id: { S: id } }, StreamViewType: "NEW_AND_OLD_IMAGES" },
      });
      expect(record.eventID).toMatch(/^[0-9a-f]{32}$/);
      expect(record).not.toHaveProperty("userIdentity");
    }
  });

  it("records nothing for a failed conditional write, a write that changes nothing, or a table without a stream", async () => {
    const id = "unchanged";
    const item = { id: { S: id }, name: { S: "Same" } };
    await client.send(new PutItemCommand({ TableName: ITEMS.name, Item: item }));
    await expect(
      client.send(
        new PutItemCommand({
          TableName: ITEMS.name,
          Item: item,
          ConditionExpression: "attribute_not_exists(id)",
        }),
      ),
    ).rejects.toThrow(/conditional request failed/);
    await client.send(new PutItemCommand({ TableName: ITEMS.name, Item: item }));
    await client.send(new DeleteItemCommand({ TableName: ITEMS.name, Key: { id: { S: "never-existed" } } }));
    await client.send(new PutItemCommand({ TableName: PLAIN.name, Item: item }));
    await client.send(
      new UpdateItemCommand({
        TableName: ITEMS.name,
        Key: { id: { S: id } },
        UpdateExpression: "SET n = :n",
        ExpressionAttributeValues: { ":n": { N: "1" } },
      }),
    );

    const records = await settled(id, 2);
    expect(records.map((record) => record.eventName)).toEqual(["INSERT", "MODIFY"]);
    expect(recordsOf("never-existed")).toEqual([]);
  });

  it("serializes concurrent writes to one item, so each record's old image is the previous record's new one", async () => {
    const id = "counter";
    await Promise.all(
      Array.from({ length: 25 }, () =>
        client.send(
          new UpdateItemCommand({
            TableName: ITEMS.name,
            Key: { id: { S: id } },
            UpdateExpression: "ADD hits :one",
            ExpressionAttributeValues: { ":one": { N: "1" } },
          }),
        ),
      ),
    );
    const records = await settled(id, 25);
    expect(records).toHaveLength(25);
    const hits = records.map((record) => [
      Number(record.dynamodb?.OldImage?.hits?.N ?? 0),
      Number(record.dynamodb?.NewImage?.hits?.N),
    ]);
    expect(hits).toEqual(Array.from({ length: 25 }, (_, index) => [index, index + 1]));
    expect(new Set(records.map((record) => record.eventSourceARN)).size).toBe(1);
  });

  it("records each item of a batch write, and keeps one item's records on one shard", async () => {
    await client.send(
      new BatchWriteItemCommand({
        RequestItems: {
          [ITEMS.name]: [
            { PutRequest: { Item: { id: { S: "batch-1" } } } },
            { PutRequest: { Item: { id: { S: "batch-2" } } } },
          ],
        },
      }),
    );
    await client.send(
      new BatchWriteItemCommand({
        RequestItems: {
          [ITEMS.name]: [
            { PutRequest: { Item: { id: { S: "batch-1" }, done: { BOOL: true } } } },
            { DeleteRequest: { Key: { id: { S: "batch-2" } } } },
          ],
        },
      }),
    );
    expect((await settled("batch-1", 2)).map((record) => record.eventName)).toEqual(["INSERT", "MODIFY"]);
    expect((await settled("batch-2", 2)).map((record) => record.eventName)).toEqual(["INSERT", "REMOVE"]);
    const shardsOf = (id: string) =>
      streams
        .shardIds(ITEMS.name)
        .filter((shard) =>
          streams
            .read(ITEMS.name, shard, undefined, 10_000)
            .some((record) => record.dynamodb?.Keys?.id?.S === id),
        );
    expect(shardsOf("batch-1")).toHaveLength(1);
    expect(shardsOf("counter")).toHaveLength(1);
  });

  it("marks deletions DynamoDB makes itself (the TTL) with the service's identity", async () => {
    const ttl = localClient(recorder.serviceEndpoint);
    try {
      await client.send(new PutItemCommand({ TableName: ITEMS.name, Item: { id: { S: "expired" } } }));
      await ttl.send(new DeleteItemCommand({ TableName: ITEMS.name, Key: { id: { S: "expired" } } }));
    } finally {
      ttl.destroy();
    }
    const [, removed] = await settled("expired", 2);
    expect(removed).toMatchObject({
      eventName: "REMOVE",
      userIdentity: { type: "Service", principalId: "dynamodb.amazonaws.com" },
    });
  });

  it("reads a shard from a sequence number on, in order", async () => {
    const [shard] = streams
      .shardIds(ITEMS.name)
      .filter((candidate) => streams.read(ITEMS.name, candidate, undefined, 1).length > 0);
    const records = streams.read(ITEMS.name, String(shard), undefined, 10_000);
    const sequences = records.map((record) => String(record.dynamodb?.SequenceNumber));
    expect([...sequences].sort()).toEqual(sequences);
    expect(streams.read(ITEMS.name, String(shard), sequences[0], 10_000)).toEqual(records.slice(1));
    expect(streams.latest(ITEMS.name, String(shard))).toBe(sequences[sequences.length - 1]);
  });
});
