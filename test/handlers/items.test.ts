import { randomUUID } from "node:crypto";
import { GetCommand, PutCommand, ScanCommand } from "@aws-sdk/lib-dynamodb";
import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import { type Outcome, outcomeSchema } from "../../handlers/lib/contracts.ts";
import { commandBody, lambdaContext, sqsEvent, sqsRecord } from "../support/events.ts";
import { type HandlerPeers, startHandlerPeers } from "../support/handler-environment.ts";

type Handler = (event: SQSEvent, context: ReturnType<typeof lambdaContext>) => Promise<SQSBatchResponse>;

let peers: HandlerPeers;
let create: Handler;
let read: Handler;
let update: Handler;
let remove: Handler;

beforeAll(async () => {
  peers = await startHandlerPeers();
  ({ handler: create } = await import("../../handlers/items/create.ts"));
  ({ handler: read } = await import("../../handlers/items/read.ts"));
  ({ handler: update } = await import("../../handlers/items/update.ts"));
  ({ handler: remove } = await import("../../handlers/items/delete.ts"));
});

afterAll(async () => {
  await peers.close();
});

beforeEach(() => {
  peers.sqs.reset();
});

/** Outcomes published during the test, parsed with the contract's own schema. */
function outcomes(): Outcome[] {
  return peers.sqs.sent().map((message) => outcomeSchema.parse(JSON.parse(message.body)));
}

function onlyOutcome(): Outcome {
  const published = outcomes();
  expect(published).toHaveLength(1);
  return published[0] as Outcome;
}

async function storedItem(id: string) {
  return (await peers.documents.send(new GetCommand({ TableName: peers.tables.items, Key: { id } }))).Item;
}

async function seedItem(fields: Record<string, unknown> = {}) {
  const item = {
    id: randomUUID(),
    name: "Seeded",
    created_at: "2026-01-01T00:00:00.000Z",
    updated_at: "2026-01-01T00:00:00.000Z",
    ...fields,
  };
  await peers.documents.send(new PutCommand({ TableName: peers.tables.items, Item: item }));
  return item;
}

describe("create", () => {
  it("stores the item under the SQS message id and publishes a success outcome", async () => {
    const body = commandBody({ payload: { name: "Lamp", description: "Brass" } });
    const record = sqsRecord(body);

    const response = await create(sqsEvent(record), lambdaContext());

    expect(response.batchItemFailures).toEqual([]);
    const stored = await storedItem(record.messageId);
    expect(stored).toMatchObject({ id: record.messageId, name: "Lamp", description: "Brass" });
    const outcome = onlyOutcome();
    expect(outcome).toMatchObject({
      requestId: body.requestId,
      operation: "create",
      status: "success",
      result: stored,
    });
    expect(peers.sqs.sent()[0]?.attributes).toEqual({
      operation: { DataType: "String", StringValue: "create" },
      requestId: { DataType: "String", StringValue: body.requestId },
    });
  });

  it("creates one item when the same message is delivered twice", async () => {
    const record = sqsRecord(commandBody({ payload: { name: "Once" } }));

    await create(sqsEvent(record), lambdaContext());
    await create(sqsEvent({ ...record, receiptHandle: randomUUID() }), lambdaContext());

    const { Items = [] } = await peers.documents.send(
      new ScanCommand({
        TableName: peers.tables.items,
        FilterExpression: "#n = :n",
        ExpressionAttributeNames: { "#n": "name" },
        ExpressionAttributeValues: { ":n": "Once" },
      }),
    );
    expect(Items).toHaveLength(1);
    const [first, second] = outcomes();
    expect(second?.status).toBe("success");
    expect(second).toMatchObject({ result: (first as { result: unknown }).result });
  });

  it("answers an invalid payload with a VALIDATION outcome naming the field, and stores nothing", async () => {
    const record = sqsRecord(commandBody({ payload: { name: "", colour: "red" } }));

    const response = await create(sqsEvent(record), lambdaContext());

    expect(response.batchItemFailures).toEqual([]);
    expect(await storedItem(record.messageId)).toBeUndefined();
    const outcome = onlyOutcome();
    expect(outcome.status).toBe("error");
    expect(outcome).toMatchObject({ error: { code: "VALIDATION" } });
    const message = (outcome as { error: { message: string } }).error.message;
    expect(message).toMatch(/payload\.name: must not be empty/);
    expect(message).toMatch(/payload: unknown field "colour"/);
  });

  it("rejects an operation the queue does not serve", async () => {
    const body = commandBody({ operation: "delete", id: randomUUID() });

    await create(sqsEvent(sqsRecord(body)), lambdaContext());

    expect(onlyOutcome()).toMatchObject({
      requestId: body.requestId,
      operation: "delete",
      status: "error",
      error: { code: "VALIDATION", message: 'operation "delete" is not served by this queue' },
    });
  });

  it("leaves a message with no request id to answer for the DLQ", async () => {
    const record = sqsRecord("not json at all");

    const response = await create(sqsEvent(record), lambdaContext());

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: record.messageId }]);
    expect(outcomes()).toEqual([]);
  });

  it("answers a broken body from the requestId attribute when the body cannot name one", async () => {
    const requestId = randomUUID();
    const record = sqsRecord("{broken");
    record.messageAttributes.requestId = {
      stringValue: requestId,
      dataType: "String",
      stringListValues: [],
      binaryListValues: [],
    };

    const response = await create(sqsEvent(record), lambdaContext());

    expect(response.batchItemFailures).toEqual([]);
    expect(onlyOutcome()).toMatchObject({
      requestId,
      operation: "create",
      error: { code: "VALIDATION", message: "message body is not JSON" },
    });
  });

  it("fails only the record whose outcome could not be sent (a retryable fault), and the retry creates nothing twice", async () => {
    const failing = sqsRecord(commandBody({ payload: { name: "Throttled" } }));
    const passing = sqsRecord(commandBody({ payload: { name: "Fine" } }));
    peers.sqs.throttle((input) => String(input.MessageBody).includes(failing.messageId));

    const response = await create(sqsEvent(failing, passing), lambdaContext());

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: failing.messageId }]);
    expect(outcomes().map((outcome) => outcome.requestId)).toEqual([JSON.parse(passing.body).requestId]);

    const retry = await create(sqsEvent({ ...failing, receiptHandle: randomUUID() }), lambdaContext());

    expect(retry.batchItemFailures).toEqual([]);
    expect(outcomes()).toHaveLength(2);
    expect(await storedItem(failing.messageId)).toMatchObject({ name: "Throttled" });
  });
});

describe("read", () => {
  it("gets an item", async () => {
    const item = await seedItem({ name: "Chair" });
    const body = commandBody({ operation: "get", id: item.id, payload: null });

    await read(sqsEvent(sqsRecord(body)), lambdaContext());

    expect(onlyOutcome()).toMatchObject({
      requestId: body.requestId,
      operation: "get",
      status: "success",
      result: item,
    });
  });

  it("answers a missing item with NOT_FOUND", async () => {
    const id = randomUUID();

    await read(sqsEvent(sqsRecord(commandBody({ operation: "get", id }))), lambdaContext());

    expect(onlyOutcome()).toMatchObject({
      status: "error",
      error: { code: "NOT_FOUND", message: `item ${id} does not exist` },
    });
  });

  it("answers a malformed id with VALIDATION", async () => {
    await read(sqsEvent(sqsRecord(commandBody({ operation: "get", id: "../etc/passwd" }))), lambdaContext());

    expect(onlyOutcome()).toMatchObject({ error: { code: "VALIDATION", message: "id: must be a UUID" } });
  });

  it("lists every item exactly once across pages with limit and the opaque lastKey", async () => {
    const { Items: before = [] } = await peers.documents.send(
      new ScanCommand({ TableName: peers.tables.items }),
    );
    for (let index = 0; index < 5; index += 1) await seedItem({ name: `Page ${index}` });
    const seen: string[] = [];
    let lastKey: string | undefined;
    let pages = 0;
    do {
      peers.sqs.reset();
      await read(
        sqsEvent(sqsRecord(commandBody({ operation: "list", query: { limit: 2, lastKey } }))),
        lambdaContext(),
      );
      const result = (
        onlyOutcome() as { result: { items: Array<{ id: string }>; count: number; lastKey?: string } }
      ).result;
      expect(result.count).toBe(result.items.length);
      expect(result.count).toBeLessThanOrEqual(2);
      seen.push(...result.items.map((item) => item.id));
      lastKey = result.lastKey;
      pages += 1;
    } while (lastKey && pages < 50);

    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toHaveLength(before.length + 5);
  });

  it("refuses a list limit out of range and a forged page token", async () => {
    await read(
      sqsEvent(sqsRecord(commandBody({ operation: "list", query: { limit: 500 } }))),
      lambdaContext(),
    );
    await read(
      sqsEvent(sqsRecord(commandBody({ operation: "list", query: { lastKey: "bm90LWEta2V5" } }))),
      lambdaContext(),
    );

    const [limit, token] = outcomes();
    expect(limit).toMatchObject({
      error: { code: "VALIDATION", message: "query.limit: must be at most 100" },
    });
    expect(token).toMatchObject({
      error: {
        code: "VALIDATION",
        message: "query.lastKey: is not a page token returned by a previous list",
      },
    });
  });
});

describe("update", () => {
  it("changes the named fields and keeps the others", async () => {
    const item = await seedItem({ name: "Old", description: "Keep me" });

    await update(
      sqsEvent(sqsRecord(commandBody({ operation: "update", id: item.id, payload: { name: "New" } }))),
      lambdaContext(),
    );

    const stored = await storedItem(item.id);
    expect(stored).toMatchObject({
      id: item.id,
      name: "New",
      description: "Keep me",
      created_at: item.created_at,
    });
    expect(stored?.updated_at).not.toBe(item.updated_at);
    expect(onlyOutcome()).toMatchObject({ operation: "update", status: "success", result: stored });
  });

  it("answers a missing item with NOT_FOUND and does not create it", async () => {
    const id = randomUUID();

    await update(
      sqsEvent(sqsRecord(commandBody({ operation: "update", id, payload: { name: "Ghost" } }))),
      lambdaContext(),
    );

    expect(await storedItem(id)).toBeUndefined();
    expect(onlyOutcome()).toMatchObject({ error: { code: "NOT_FOUND" } });
  });

  it("requires at least one field", async () => {
    await update(
      sqsEvent(sqsRecord(commandBody({ operation: "update", id: randomUUID(), payload: {} }))),
      lambdaContext(),
    );

    expect(onlyOutcome()).toMatchObject({
      error: { code: "VALIDATION", message: "payload: must set name or description" },
    });
  });
});

describe("delete", () => {
  it("deletes an item", async () => {
    const item = await seedItem();

    await remove(
      sqsEvent(sqsRecord(commandBody({ operation: "delete", id: item.id, payload: null }))),
      lambdaContext(),
    );

    expect(await storedItem(item.id)).toBeUndefined();
    expect(onlyOutcome()).toMatchObject({
      operation: "delete",
      status: "success",
      result: { id: item.id, deleted: true },
    });
  });

  it("answers a missing item with NOT_FOUND", async () => {
    await remove(
      sqsEvent(sqsRecord(commandBody({ operation: "delete", id: randomUUID() }))),
      lambdaContext(),
    );

    expect(onlyOutcome()).toMatchObject({ status: "error", error: { code: "NOT_FOUND" } });
  });
});
