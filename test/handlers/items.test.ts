import { randomUUID } from "node:crypto";
import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import { changeKeyOf, itemIdFor, LIST_PAGE_BUDGET_BYTES } from "../../handlers/items/repository.ts";
import { type Notification, notificationSchema, type Outcome } from "../../handlers/lib/contracts.ts";
import {
  ACCEPTED_AT,
  ALICE,
  BOB,
  commandBody,
  lambdaContext,
  newRequestId,
  sqsEvent,
  sqsRecord,
} from "../support/events.ts";
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

/** Notifications published during the test, parsed with the contract's own schema. */
function notifications(): Notification[] {
  return peers.sqs.sent().map((message) => notificationSchema.parse(JSON.parse(message.body)));
}

function outcomes(): Outcome[] {
  return notifications().map((notification) => notification.outcome);
}

function onlyOutcome(): Outcome {
  const published = outcomes();
  expect(published).toHaveLength(1);
  return published[0] as Outcome;
}

async function storedItem(id: string) {
  return (await peers.documents.send(new GetCommand({ TableName: peers.tables.items, Key: { id } }))).Item;
}

/** An item of `owner`, written as the create handler writes one; `acceptedAt` orders later changes. */
async function seedItem(owner: string, fields: Record<string, unknown> = {}, acceptedAt = 0) {
  const requestId = newRequestId();
  const item = {
    id: randomUUID(),
    owner,
    name: "Seeded",
    created_at: new Date(Date.UTC(2026, 0, 1) + Math.floor(Math.random() * 1e9)).toISOString(),
    updated_at: "2026-01-01T00:00:00.000Z",
    version: 1,
    change_key: changeKeyOf({ owner, requestId, requestedAt: acceptedAt }),
    last_request_id: requestId,
    ...fields,
  };
  await peers.documents.send(new PutCommand({ TableName: peers.tables.items, Item: item }));
  return item;
}

const publicFields = (item: Record<string, unknown>) => {
  const { owner: _owner, change_key: _key, last_request_id: _last, ...visible } = item;
  return visible;
};

describe("create", () => {
  it("stores the item under an id derived from the request id, owned by the caller, and answers its owner", async () => {
    const body = commandBody({ payload: { name: "Lamp", description: "Brass" } });

    const response = await create(sqsEvent(sqsRecord(body)), lambdaContext());

    expect(response.batchItemFailures).toEqual([]);
    const id = itemIdFor(String(body.requestId));
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const stored = await storedItem(id);
    expect(stored).toMatchObject({ id, owner: ALICE, name: "Lamp", description: "Brass", version: 1 });
    const [notification] = notifications();
    expect(notification).toEqual({
      owner: ALICE,
      outcome: expect.objectContaining({
        requestId: body.requestId,
        operation: "create",
        status: "success",
        result: publicFields(stored as Record<string, unknown>),
      }),
    });
    expect(peers.sqs.sent()[0]?.attributes).toEqual({
      operation: { DataType: "String", StringValue: "create" },
      requestId: { DataType: "String", StringValue: body.requestId },
    });
  });

  it("creates one item however often the command arrives: redelivered, or redriven with a new message id", async () => {
    const record = sqsRecord(commandBody({ payload: { name: "Once" } }));

    await create(sqsEvent(record), lambdaContext());
    await create(sqsEvent({ ...record, receiptHandle: randomUUID() }), lambdaContext());
    await create(
      sqsEvent({ ...record, messageId: randomUUID(), receiptHandle: randomUUID() }),
      lambdaContext(),
    );

    const [first, ...later] = outcomes();
    expect(later).toHaveLength(2);
    for (const outcome of later)
      expect(outcome).toMatchObject({ status: "success", result: (first as { result: unknown }).result });
    expect((await storedItem(itemIdFor(JSON.parse(record.body).requestId)))?.version).toBe(1);
  });

  it("never answers a create with another user's item, should two users' request ids ever meet", async () => {
    const requestId = newRequestId();
    await create(
      sqsEvent(sqsRecord(commandBody({ requestId, payload: { name: "Alice's" } }))),
      lambdaContext(),
    );
    peers.sqs.reset();

    await create(
      sqsEvent(sqsRecord(commandBody({ requestId, owner: BOB, payload: { name: "Bob's" } }))),
      lambdaContext(),
    );

    expect(onlyOutcome()).toMatchObject({ status: "error", error: { code: "CONFLICT" } });
    expect(JSON.stringify(onlyOutcome())).not.toContain("Alice's");
    expect(await storedItem(itemIdFor(requestId))).toMatchObject({ owner: ALICE, name: "Alice's" });
  });

  it("does not bring an item back when a create arrives again after the item was deleted", async () => {
    const createRecord = sqsRecord(commandBody({ payload: { name: "Gone for good" } }));
    await create(sqsEvent(createRecord), lambdaContext());
    const id = itemIdFor(JSON.parse(createRecord.body).requestId);
    await remove(
      sqsEvent(sqsRecord(commandBody({ operation: "delete", id, requestedAt: ACCEPTED_AT + 1 }))),
      lambdaContext(),
    );
    peers.sqs.reset();

    await create(sqsEvent({ ...createRecord, receiptHandle: randomUUID() }), lambdaContext());

    expect(onlyOutcome()).toMatchObject({ status: "success", result: { id, deleted: true } });
    expect(await storedItem(id)).toMatchObject({ id, deleted_at: expect.any(String) });
    expect(await storedItem(id)).not.toHaveProperty("name");
  });

  it("answers an invalid payload with a VALIDATION outcome naming the field, and stores nothing", async () => {
    const body = commandBody({ payload: { name: "", colour: "red" } });

    const response = await create(sqsEvent(sqsRecord(body)), lambdaContext());

    expect(response.batchItemFailures).toEqual([]);
    expect(await storedItem(itemIdFor(String(body.requestId)))).toBeUndefined();
    const outcome = onlyOutcome();
    expect(outcome).toMatchObject({ status: "error", error: { code: "VALIDATION" } });
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

  it("acknowledges a message that cannot name its request id or its owner: nobody to answer, no retry can help", async () => {
    const unreadable = sqsRecord("not json at all");
    const ownerless = sqsRecord(commandBody({ owner: "" }));

    const response = await create(sqsEvent(unreadable, ownerless), lambdaContext());

    expect(response.batchItemFailures).toEqual([]);
    expect(outcomes()).toEqual([]);
  });

  it("answers a command the data store refuses as the caller's fault, instead of retrying it into the DLQ", async () => {
    const body = commandBody({ operation: "get", id: randomUUID() });
    // A mock, as a last resort: the handlers' own checks let no such request reach DynamoDB any more, so the
    // store's refusal (a ValidationException, $fault "client", as dynalite raises it in test/handlers/faults) is
    // injected once.
    const refusing = Object.assign(new Error("One or more parameter values were invalid"), {
      name: "ValidationException",
      $fault: "client",
      $metadata: {},
    });
    const { documentClient } = await import("../../handlers/lib/dynamodb.ts");
    const send = vi.spyOn(documentClient, "send").mockRejectedValueOnce(refusing as never);

    const response = await read(sqsEvent(sqsRecord(body)), lambdaContext());

    send.mockRestore();
    expect(response.batchItemFailures).toEqual([]);
    expect(onlyOutcome()).toMatchObject({
      requestId: body.requestId,
      status: "error",
      error: { code: "VALIDATION", message: "the command could not be carried out (ValidationException)" },
    });
  });

  it("fails only the record whose outcome could not be sent (a retryable fault), and the retry creates nothing twice", async () => {
    const failingBody = commandBody({ payload: { name: "Throttled" } });
    const failing = sqsRecord(failingBody);
    const passing = sqsRecord(commandBody({ payload: { name: "Fine" } }));
    peers.sqs.refuseNext((input) => String(input.MessageBody).includes(String(failingBody.requestId)));

    const response = await create(sqsEvent(failing, passing), lambdaContext());

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: failing.messageId }]);
    expect(outcomes().map((outcome) => outcome.requestId)).toEqual([JSON.parse(passing.body).requestId]);

    const retry = await create(sqsEvent({ ...failing, receiptHandle: randomUUID() }), lambdaContext());

    expect(retry.batchItemFailures).toEqual([]);
    expect(outcomes()).toHaveLength(2);
    expect(await storedItem(itemIdFor(String(failingBody.requestId)))).toMatchObject({
      name: "Throttled",
      version: 1,
    });
  });
});

describe("faults that must not become answers", () => {
  it.each([
    ["KMS throttling the queue's key (a client fault by SQS's model)", "KmsThrottled"],
    ["a message SQS will not carry", "InvalidMessageContents"],
  ] as const)(
    "retries a stored create whose outcome could not be sent, for %s, instead of answering it refused",
    async (_, shape) => {
      const body = commandBody({ payload: { name: `Stored, unanswered (${shape})` } });
      const record = sqsRecord(body);
      peers.sqs.refuseNext((input) => String(input.MessageBody).includes(String(body.requestId)), 1, shape);

      const response = await create(sqsEvent(record), lambdaContext());

      expect(response.batchItemFailures).toEqual([{ itemIdentifier: record.messageId }]);
      expect(outcomes()).toEqual([]);
      const retry = await create(sqsEvent({ ...record, receiptHandle: randomUUID() }), lambdaContext());
      expect(retry.batchItemFailures).toEqual([]);
      expect(outcomes()).toEqual([expect.objectContaining({ requestId: body.requestId, status: "success" })]);
    },
  );

  it("refuses a command accepted longer ago than a command may wait, and changes nothing", async () => {
    const body = commandBody({
      payload: { name: "Redriven a month late" },
      requestedAt: Date.now() - 29 * 86_400_000,
    });

    const response = await create(sqsEvent(sqsRecord(body)), lambdaContext());

    expect(response.batchItemFailures).toEqual([]);
    expect(outcomes()).toEqual([
      expect.objectContaining({
        requestId: body.requestId,
        status: "error",
        error: expect.objectContaining({
          code: "REFUSED",
          message: expect.stringMatching(/^the command was accepted 29 days ago/),
        }),
      }),
    ]);
    expect(await storedItem(itemIdFor(String(body.requestId)))).toBeUndefined();
  });
});

describe("read", () => {
  it("gets the caller's item", async () => {
    const item = await seedItem(ALICE, { name: "Chair" });
    const body = commandBody({ operation: "get", id: item.id, payload: null });

    await read(sqsEvent(sqsRecord(body)), lambdaContext());

    expect(onlyOutcome()).toMatchObject({
      requestId: body.requestId,
      operation: "get",
      status: "success",
      result: publicFields(item),
    });
  });

  it("answers another user's item exactly like a missing one: NOT_FOUND", async () => {
    const bobs = await seedItem(BOB, { name: "Bob's" });
    const missing = randomUUID();

    await read(sqsEvent(sqsRecord(commandBody({ operation: "get", id: bobs.id }))), lambdaContext());
    await read(sqsEvent(sqsRecord(commandBody({ operation: "get", id: missing }))), lambdaContext());

    const [other, absent] = outcomes();
    expect(other).toMatchObject({
      status: "error",
      error: { code: "NOT_FOUND", message: `item ${bobs.id} does not exist` },
    });
    expect(absent).toMatchObject({
      status: "error",
      error: { code: "NOT_FOUND", message: `item ${missing} does not exist` },
    });
  });

  it("answers a malformed id with VALIDATION", async () => {
    await read(sqsEvent(sqsRecord(commandBody({ operation: "get", id: "../etc/passwd" }))), lambdaContext());

    expect(onlyOutcome()).toMatchObject({ error: { code: "VALIDATION", message: "id: must be a UUID" } });
  });

  it("lists only the caller's items, newest first, each exactly once across pages", async () => {
    const owner = randomUUID();
    const seeded = [];
    for (let index = 0; index < 5; index += 1) seeded.push(await seedItem(owner, { name: `Page ${index}` }));
    await seedItem(BOB, { name: "Not yours" });
    const seen: Array<{ id: string; created_at: string }> = [];
    let lastKey: string | undefined;
    let pages = 0;
    do {
      peers.sqs.reset();
      await read(
        sqsEvent(sqsRecord(commandBody({ owner, operation: "list", query: { limit: 2, lastKey } }))),
        lambdaContext(),
      );
      const result = (onlyOutcome() as { result: { items: typeof seen; count: number; lastKey?: string } })
        .result;
      expect(result.count).toBe(result.items.length);
      expect(result.count).toBeLessThanOrEqual(2);
      seen.push(...result.items);
      lastKey = result.lastKey;
      pages += 1;
    } while (lastKey && pages < 10);

    const newestFirst = [...seeded]
      .sort((a, b) => b.created_at.localeCompare(a.created_at))
      .map((item) => item.id);
    expect(seen.map((item) => item.id)).toEqual(newestFirst);
  });

  it("bounds a page by bytes, so a page of long items still fits a WebSocket frame, and continues after it", async () => {
    const owner = randomUUID();
    for (let index = 0; index < 60; index += 1)
      await seedItem(owner, { name: `Long ${index}`, description: "é".repeat(2000) });

    const pages: Array<{ items: Array<{ id: string }>; lastKey?: string }> = [];
    let lastKey: string | undefined;
    do {
      peers.sqs.reset();
      await read(
        sqsEvent(sqsRecord(commandBody({ owner, operation: "list", query: { limit: 100, lastKey } }))),
        lambdaContext(),
      );
      const page = (onlyOutcome() as { result: { items: Array<{ id: string }>; lastKey?: string } }).result;
      pages.push(page);
      lastKey = page.lastKey;
    } while (lastKey && pages.length < 10);

    expect(pages.length).toBeGreaterThan(1);
    for (const page of pages)
      expect(Buffer.byteLength(JSON.stringify(page.items))).toBeLessThanOrEqual(LIST_PAGE_BUDGET_BYTES + 2);
    const ids = pages.flatMap((page) => page.items.map((item) => item.id));
    expect(new Set(ids).size).toBe(60);
    expect(ids).toHaveLength(60);
  });

  it("refuses a list limit out of range, a forged page token, and another user's page token", async () => {
    const owner = randomUUID();
    for (let index = 0; index < 2; index += 1) await seedItem(owner);
    await read(
      sqsEvent(sqsRecord(commandBody({ owner, operation: "list", query: { limit: 1 } }))),
      lambdaContext(),
    );
    const ownersToken = (onlyOutcome() as { result: { lastKey: string } }).result.lastKey;
    peers.sqs.reset();

    const forged = Buffer.from(JSON.stringify({ id: "" })).toString("base64url");
    for (const query of [
      { limit: 500 },
      { lastKey: "bm90LWEta2V5" },
      { lastKey: forged },
      { lastKey: ownersToken },
    ]) {
      await read(sqsEvent(sqsRecord(commandBody({ owner: BOB, operation: "list", query }))), lambdaContext());
    }

    const [limit, ...tokens] = outcomes();
    expect(limit).toMatchObject({
      error: { code: "VALIDATION", message: "query.limit: must be at most 100" },
    });
    for (const token of tokens) {
      expect(token).toMatchObject({
        error: {
          code: "VALIDATION",
          message: "query.lastKey: is not a page token returned by a previous list of yours",
        },
      });
    }
  });
});

describe("update", () => {
  it("changes the named fields, keeps the others and raises the version", async () => {
    const item = await seedItem(ALICE, { name: "Old", description: "Keep me" });

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
      version: 2,
    });
    expect(stored?.updated_at).not.toBe(item.updated_at);
    expect(onlyOutcome()).toMatchObject({
      operation: "update",
      status: "success",
      result: publicFields(stored as Record<string, unknown>),
    });
  });

  it("applies a redelivered update once", async () => {
    const item = await seedItem(ALICE);
    const record = sqsRecord(commandBody({ operation: "update", id: item.id, payload: { name: "Twice?" } }));

    await update(sqsEvent(record), lambdaContext());
    await update(sqsEvent({ ...record, receiptHandle: randomUUID() }), lambdaContext());

    expect((await storedItem(item.id))?.version).toBe(2);
    expect(outcomes().map((outcome) => outcome.status)).toEqual(["success", "success"]);
  });

  it("refuses an update accepted before one already applied (SQS keeps no order) with CONFLICT, changing nothing", async () => {
    const item = await seedItem(ALICE, { name: "Newer" }, ACCEPTED_AT + 500);

    await update(
      sqsEvent(
        sqsRecord(
          commandBody({
            operation: "update",
            id: item.id,
            payload: { name: "Older" },
            requestedAt: ACCEPTED_AT,
          }),
        ),
      ),
      lambdaContext(),
    );

    expect(await storedItem(item.id)).toMatchObject({ name: "Newer", version: 1 });
    expect(onlyOutcome()).toMatchObject({ status: "error", error: { code: "CONFLICT" } });
  });

  it("answers another user's item, a deleted one and a missing one with NOT_FOUND and changes none", async () => {
    const bobs = await seedItem(BOB, { name: "Bob's" });
    const deleted = await seedItem(ALICE, { deleted_at: "2026-01-02T00:00:00.000Z" });
    const missing = randomUUID();

    for (const id of [bobs.id, deleted.id, missing])
      await update(
        sqsEvent(sqsRecord(commandBody({ operation: "update", id, payload: { name: "Mine now" } }))),
        lambdaContext(),
      );

    expect(outcomes().map((outcome) => (outcome as { error?: { code: string } }).error?.code)).toEqual([
      "NOT_FOUND",
      "NOT_FOUND",
      "NOT_FOUND",
    ]);
    expect(await storedItem(bobs.id)).toMatchObject({ name: "Bob's", version: 1 });
    expect(await storedItem(missing)).toBeUndefined();
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
  it("leaves a tombstone: the id, owner and a higher version, no fields, expiring after the queues' retention", async () => {
    const item = await seedItem(ALICE);

    await remove(
      sqsEvent(sqsRecord(commandBody({ operation: "delete", id: item.id, payload: null }))),
      lambdaContext(),
    );

    const stored = await storedItem(item.id);
    expect(stored).toMatchObject({ id: item.id, owner: ALICE, version: 2, deleted_at: expect.any(String) });
    expect(stored).not.toHaveProperty("name");
    expect(stored).not.toHaveProperty("created_at");
    expect(Number(stored?.expires_at) - Date.now() / 1000).toBeGreaterThan(28 * 24 * 3600);
    expect(onlyOutcome()).toMatchObject({
      operation: "delete",
      status: "success",
      result: { id: item.id, deleted: true, version: 2 },
    });
  });

  it("succeeds again for the caller's item already deleted, and answers NOT_FOUND for anyone else's or a missing one", async () => {
    const item = await seedItem(ALICE);
    const bobs = await seedItem(BOB);
    await remove(sqsEvent(sqsRecord(commandBody({ operation: "delete", id: item.id }))), lambdaContext());
    peers.sqs.reset();

    for (const id of [item.id, bobs.id, randomUUID()])
      await remove(sqsEvent(sqsRecord(commandBody({ operation: "delete", id }))), lambdaContext());

    const [again, others, missing] = outcomes();
    expect(again).toMatchObject({ status: "success", result: { id: item.id, deleted: true, version: 2 } });
    expect(others).toMatchObject({ status: "error", error: { code: "NOT_FOUND" } });
    expect(missing).toMatchObject({ status: "error", error: { code: "NOT_FOUND" } });
    expect(await storedItem(bobs.id)).toMatchObject({ name: "Seeded", version: 1 });
  });

  it("refuses a delete accepted before a change already applied with CONFLICT, keeping the item", async () => {
    const item = await seedItem(ALICE, { name: "Renamed later" }, ACCEPTED_AT + 500);

    await remove(
      sqsEvent(sqsRecord(commandBody({ operation: "delete", id: item.id, requestedAt: ACCEPTED_AT }))),
      lambdaContext(),
    );

    expect(await storedItem(item.id)).toMatchObject({ name: "Renamed later", version: 1 });
    expect(onlyOutcome()).toMatchObject({ status: "error", error: { code: "CONFLICT" } });
  });
});
