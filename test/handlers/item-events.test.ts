import { DeleteCommand, DynamoDBDocumentClient, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import { dev } from "../../environments/dev.ts";
import { decideChange } from "../../handlers/item-events/changes.ts";
import {
  type ItemEventDetail,
  PUT_EVENTS_MAX_BYTES,
  putEventsEntrySize,
} from "../../handlers/item-events/contract.ts";
import { PUBLISHER_ENV } from "../../handlers/lib/environment.ts";
import { DESCRIPTION_MAX, NAME_MAX } from "../../handlers/lib/limits.ts";
import { createTables, type DynamoPeer, localClient, startDynamo } from "../../local/dynamodb.ts";
import {
  LocalStreams,
  type StreamRecorderPeer,
  sequenceOf,
  startStreamRecorder,
} from "../../local/dynamodb-streams/streams.ts";
import { type BusEvent, LocalEventBus } from "../../local/events/bus.ts";
import { type EventBridgeEndpoint, startEventBridgeEndpoint } from "../../local/events/endpoint.ts";
import { ItemRows } from "../../local/item-rows.ts";
import { SqsBroker } from "../../local/sqs/broker.ts";
import { type SqsEndpoint, startSqsEndpoint } from "../../local/sqs/endpoint.ts";
import { localQueueSpecs } from "../../local/sqs/queue-attributes.ts";
import { readEventBuses, readStreamedTables } from "../../synthesized/event-bus-model.ts";
import { readStackModel } from "../../synthesized/service-model.ts";
import { eventSchemaProblems } from "../support/event-schemas.ts";
import { lambdaContext } from "../support/events.ts";
import { type HttpReceiver, startHttpReceiver } from "../support/http-receiver.ts";
import { synthesizedStack } from "../support/synthesized.ts";

const ITEMS = `${dev.namePrefix}-items`;
const FAILURES = `${dev.namePrefix}-item-events-failures`;

type Handler = (
  event: DynamoDBStreamEvent,
  context: ReturnType<typeof lambdaContext>,
) => Promise<DynamoDBBatchResponse>;

describe("the item-events publisher, against local DynamoDB Streams, EventBridge and SQS", () => {
  let dynamo: DynamoPeer;
  let recorder: StreamRecorderPeer;
  let streams: LocalStreams;
  let broker: SqsBroker;
  let sqs: SqsEndpoint;
  let bus: LocalEventBus;
  let eventBridge: EventBridgeEndpoint;
  let webhook: HttpReceiver;
  let documents: DynamoDBDocumentClient;
  let rows: ItemRows;
  let handler: Handler;
  const published: BusEvent[] = [];
  /** Per shard, the last record handed to the publisher. */
  const checkpoints = new Map<string, string | undefined>();

  beforeAll(async () => {
    const stack = synthesizedStack("dev");
    const model = readStackModel(stack, ".");
    dynamo = await startDynamo(process.cwd());
    await createTables(model.tables, dynamo.endpoint);
    streams = new LocalStreams(readStreamedTables(stack), { region: "eu-west-1", account: "000000000000" });
    recorder = await startStreamRecorder(process.cwd(), dynamo.endpoint, model.tables, streams);
    broker = new SqsBroker(localQueueSpecs(stack, model.region, model.queues));
    sqs = await startSqsEndpoint(broker);
    webhook = await startHttpReceiver();
    bus = new LocalEventBus(readEventBuses(stack), {
      region: "eu-west-1",
      account: "000000000000",
      deadLetter: (queue, body, attributes) => broker.send(queue, body, attributes),
      log: () => undefined,
      endpointOverrides: { [`${dev.namePrefix}-webhook-search-index`]: `${webhook.url}/hooks` },
    });
    bus.on("event", (event: BusEvent) => published.push(event));
    eventBridge = await startEventBridgeEndpoint(bus);
    Object.assign(process.env, {
      AWS_REGION: "eu-west-1",
      AWS_ACCESS_KEY_ID: "test",
      AWS_SECRET_ACCESS_KEY: "test",
      AWS_MAX_ATTEMPTS: "1",
      AWS_ENDPOINT_URL_SQS: sqs.url,
      AWS_ENDPOINT_URL_EVENTBRIDGE: eventBridge.url,
      POWERTOOLS_LOG_LEVEL: "SILENT",
      POWERTOOLS_METRICS_NAMESPACE: "EventCrudTest",
      POWERTOOLS_SERVICE_NAME: "test",
      POWERTOOLS_METRICS_DISABLED: "true",
      [PUBLISHER_ENV.eventBusName]: `${dev.namePrefix}-item-events`,
      [PUBLISHER_ENV.failureQueueUrl]: sqs.queueUrl(FAILURES),
    });
    handler = (await import("../../handlers/item-events/publish.ts")).handler as Handler;
    documents = DynamoDBDocumentClient.from(localClient(recorder.endpoint), {
      marshallOptions: { removeUndefinedValues: true },
    });
    rows = new ItemRows(documents, ITEMS);
  });
  afterAll(async () => {
    documents?.destroy();
    bus?.close();
    await Promise.all([recorder?.close(), sqs?.close(), eventBridge?.close(), webhook?.close()]);
    await dynamo?.close();
    broker?.close();
  });
  beforeEach(() => {
    published.length = 0;
  });

  /** The records written since the last call, once the recorder has passed them on, oldest first. */
  async function newRecords(expected: number): Promise<DynamoDBRecord[]> {
    const read = () =>
      streams.shardIds(ITEMS).flatMap((shard) => streams.read(ITEMS, shard, checkpoints.get(shard), 10_000));
    for (let waited = 0; waited < 5000 && read().length < expected; waited += 10)
      await new Promise((resolve) => setTimeout(resolve, 10));
    const records = read();
    for (const shard of streams.shardIds(ITEMS)) checkpoints.set(shard, streams.latest(ITEMS, shard));
    return records.sort((left, right) => (sequenceOf(left) < sequenceOf(right) ? -1 : 1));
  }
  const publish = (records: DynamoDBRecord[]) =>
    handler({ Records: records }, lambdaContext("crud-dev-item-events"));
  const details = () =>
    published.map((event) => ({ type: event["detail-type"], ...(event.detail as ItemEventDetail) }));
  const failureMessages = () =>
    broker.receive(FAILURES, 100).map((message) => {
      broker.delete(FAILURES, message.receiptHandle ?? "");
      return JSON.parse(message.body) as Record<string, unknown>;
    });

  it("publishes exactly one event per committed change, with its type, version and changes", async () => {
    const created = await rows.create({ name: "Lamp", description: "Brass" }, "request-1");
    await rows.update(created.id, { name: "Desk lamp" }, "request-2");
    await rows.update(created.id, { description: null }, "request-3");
    await rows.delete(created.id, "request-4");
    const records = await newRecords(4);

    expect(await publish(records)).toEqual({ batchItemFailures: [] });

    const base = { schemaVersion: 1, itemId: created.id, owner: "user-sub-1" };
    expect(details()).toEqual([
      {
        type: "item.created",
        ...base,
        version: 1,
        requestId: "request-1",
        occurredAt: created.created_at,
        idempotencyKey: records[0]?.eventID,
        changes: { name: { after: "Lamp" }, description: { after: "Brass" } },
        state: { name: "Lamp", description: "Brass" },
      },
      expect.objectContaining({
        type: "item.updated",
        version: 2,
        requestId: "request-2",
        idempotencyKey: records[1]?.eventID,
        changes: { name: { before: "Lamp", after: "Desk lamp" } },
        state: { name: "Desk lamp", description: "Brass" },
      }),
      expect.objectContaining({
        type: "item.updated",
        version: 3,
        requestId: "request-3",
        changes: { description: { before: "Brass" } },
        state: { name: "Desk lamp" },
      }),
      expect.objectContaining({
        type: "item.deleted",
        version: 4,
        requestId: "request-4",
        changes: { name: { before: "Desk lamp" } },
      }),
    ]);
    expect(details()[3]).not.toHaveProperty("state");
    for (const event of published) {
      expect(event.source).toBe("event-crud.items");
      expect(eventSchemaProblems(event), event["detail-type"]).toEqual([]);
    }
    // The dev stack's webhook rule (its endpoint pointed here) receives the same four events.
    const delivered = await webhook.waitFor(4, (request) => request.body.includes(created.id));
    expect(delivered.map((request) => JSON.parse(request.body).detail.version)).toEqual([1, 2, 3, 4]);
  });

  it("publishes nothing for a failed command, a redelivered one, an unchanged rewrite or the TTL removing a tombstone", async () => {
    const item = await rows.create({ name: "Chair" });
    await newRecords(1);
    await expect(
      documents.send(
        // A stale update: the version it expects is long gone, so DynamoDB refuses it.
        new UpdateCommand({
          TableName: ITEMS,
          Key: { id: item.id },
          UpdateExpression: "SET #name = :name",
          ConditionExpression: "version = :stale",
          ExpressionAttributeNames: { "#name": "name" },
          ExpressionAttributeValues: { ":name": "Stool", ":stale": 0 },
        }),
      ),
    ).rejects.toThrow(/conditional request failed/);
    await rows.rewriteSameVersion(item.id);
    await rows.delete(item.id);
    const ttl = DynamoDBDocumentClient.from(localClient(recorder.serviceEndpoint));
    await ttl.send(new DeleteCommand({ TableName: ITEMS, Key: { id: item.id } }));
    ttl.destroy();
    const records = await newRecords(3);
    expect(records.map((record) => record.eventName)).toEqual(["MODIFY", "MODIFY", "REMOVE"]);
    expect(records[2]?.userIdentity).toEqual({ type: "Service", principalId: "dynamodb.amazonaws.com" });

    expect(await publish(records)).toEqual({ batchItemFailures: [] });

    expect(details().map((detail) => detail.type)).toEqual(["item.deleted"]);
    expect(failureMessages()).toEqual([]);
  });

  it("publishes a redelivered record again under the same idempotency key, for consumers to drop", async () => {
    await rows.create({ name: "Table" });
    const records = await newRecords(1);
    await publish(records);
    await publish(records);
    expect(published).toHaveLength(2);
    const [first, second] = details();
    expect(second?.idempotencyKey).toBe(first?.idempotencyKey);
    expect(published[0]?.id).not.toBe(published[1]?.id);
  });

  it("sets a record that breaks the item contract aside, with the reason and the record, and publishes the rest in order", async () => {
    const before = await rows.create({ name: "Before" });
    await documents.send(
      new PutCommand({
        TableName: ITEMS,
        Item: { id: "legacy-row", name: "No owner, no version" },
      }),
    );
    const after = await rows.create({ name: "After" });
    const records = await newRecords(3);

    expect(await publish(records)).toEqual({ batchItemFailures: [] });

    expect(details().map((detail) => [detail.type, detail.itemId])).toEqual([
      ["item.created", before.id],
      ["item.created", after.id],
    ]);
    const [setAside, ...more] = failureMessages();
    expect(more).toEqual([]);
    expect(setAside).toMatchObject({
      type: "unpublishable-record",
      eventName: "INSERT",
      keys: { id: { S: "legacy-row" } },
      record: { eventID: records.find((record) => record.dynamodb?.Keys?.id?.S === "legacy-row")?.eventID },
    });
    expect(String(setAside?.reason)).toMatch(/NewImage\.owner: .*NewImage\.version: .*/);
  });

  it("stops at an event EventBridge did not take and reports that record, so Lambda resumes from it", async () => {
    const [a, b, c] = [
      await rows.create({ name: "A" }),
      await rows.create({ name: "B" }),
      await rows.create({ name: "C" }),
    ];
    const records = await newRecords(3);
    eventBridge.failEntries((entry) => String(entry.Detail).includes(b.id), "ThrottlingException");

    const response = await publish(records);

    const recordOf = (id: string) => records.find((record) => record.dynamodb?.Keys?.id?.S === id);
    expect(response).toEqual({
      batchItemFailures: [{ itemIdentifier: sequenceOf(recordOf(b.id) as DynamoDBRecord) }],
    });
    expect(details().map((detail) => detail.itemId)).toContain(a.id);
    expect(details().map((detail) => detail.itemId)).not.toContain(b.id);

    // Lambda retries from the reported record on: B and C are published (C perhaps a second time: same key).
    published.length = 0;
    const retried = records.slice(records.indexOf(recordOf(b.id) as DynamoDBRecord));
    expect(await publish(retried)).toEqual({ batchItemFailures: [] });
    expect(details().map((detail) => detail.itemId)).toEqual([b.id, c.id]);
  });

  it("never lets an item's newer version out before an older one EventBridge did not take", async () => {
    const item = await rows.create({ name: "v1" });
    await rows.update(item.id, { name: "v2" });
    await rows.update(item.id, { name: "v3" });
    const other = await rows.create({ name: "Other" });
    const records = await newRecords(4);
    eventBridge.failEntries((entry) => String(entry.Detail).includes('"version":2'), "ThrottlingException");

    const response = await publish(records);

    const versionTwo = records[1] as DynamoDBRecord;
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: sequenceOf(versionTwo) }] });
    expect(
      details()
        .filter((detail) => detail.itemId === item.id)
        .map((detail) => detail.version),
    ).toEqual([1]);

    published.length = 0;
    expect(await publish(records.slice(1))).toEqual({ batchItemFailures: [] });
    expect(details().map((detail) => [detail.itemId, detail.version])).toEqual([
      [item.id, 2],
      [item.id, 3],
      [other.id, 1],
    ]);
  });

  it("sets an event over EventBridge's entry limit aside with its size, instead of failing the batch forever", async () => {
    const oversized = await rows.create({ name: "Huge", description: "x".repeat(150 * 1024) });
    const fine = await rows.create({ name: "Fine" });
    const records = await newRecords(2);

    expect(await publish(records)).toEqual({ batchItemFailures: [] });

    expect(details().map((detail) => detail.itemId)).toEqual([fine.id]);
    const [setAside, ...more] = failureMessages();
    expect(more).toEqual([]);
    expect(setAside).toMatchObject({ type: "unpublishable-record", keys: { id: { S: oversized.id } } });
    expect(String(setAside?.reason)).toMatch(
      /^the item\.created event would be \d+ bytes, over EventBridge's 262144/,
    );
  });

  it("sets aside an event EventBridge refuses as malformed, and goes on", async () => {
    const [a, b] = [await rows.create({ name: "Refused" }), await rows.create({ name: "Fine" })];
    const records = await newRecords(2);
    eventBridge.failEntries((entry) => String(entry.Detail).includes(a.id), "MalformedDetail");

    expect(await publish(records)).toEqual({ batchItemFailures: [] });

    expect(details().map((detail) => detail.itemId)).toEqual([b.id]);
    const [setAside] = failureMessages();
    expect(setAside?.reason).toMatch(/^EventBridge refused the event \(MalformedDetail: /);
  });

  it("keeps the largest item the contract allows within EventBridge's size limit, before and after", () => {
    const text = (length: number) => "€".repeat(length);
    const image = (name: string, description: string, version: number) => ({
      id: { S: "big" },
      owner: { S: "user-sub-1" },
      name: { S: name },
      description: { S: description },
      created_at: { S: "2026-11-22T10:00:00.000Z" },
      updated_at: { S: "2026-11-22T10:00:00.000Z" },
      version: { N: String(version) },
      last_request_id: { S: "request" },
    });
    const decision = decideChange({
      eventID: "e".repeat(32),
      eventName: "MODIFY",
      dynamodb: {
        OldImage: image(text(NAME_MAX), text(DESCRIPTION_MAX), 1),
        NewImage: image(`${text(NAME_MAX - 1)}x`, `${text(DESCRIPTION_MAX - 1)}x`, 2),
        SequenceNumber: "1",
      },
    });
    expect(decision.kind).toBe("publish");
    if (decision.kind !== "publish") return;
    const size = putEventsEntrySize({
      Source: "event-crud.items",
      DetailType: decision.detailType,
      Detail: JSON.stringify(decision.detail),
    });
    expect(size).toBeGreaterThan(4 * (NAME_MAX + DESCRIPTION_MAX));
    expect(size).toBeLessThan(PUT_EVENTS_MAX_BYTES / 10);
  });

  it("holds the schemas to the contract: an event missing its idempotency key fails validation", async () => {
    await rows.create({ name: "Checked" });
    await publish(await newRecords(1));
    const [event] = published;
    if (!event) throw new Error("nothing was published");
    const { idempotencyKey: _dropped, ...detail } = event.detail as Record<string, unknown>;
    expect(eventSchemaProblems({ ...event, detail })).toEqual([
      "/detail must have required property 'idempotencyKey'",
    ]);
    expect(eventSchemaProblems({ ...event, "detail-type": "item.renamed" })).toEqual([
      "no schema for detail-type item.renamed",
    ]);
  });
});
