import { type ChildProcess, spawn } from "node:child_process";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { dev } from "../../environments/dev.ts";
import { localClient } from "../../local/dynamodb.ts";
import { ItemRows } from "../../local/item-rows.ts";
import {
  outcomeOf,
  type RunningService,
  request,
  startLocalService,
  tokenFor,
  waitFor,
} from "../../local/service-client.ts";
import { eventSchemaProblems } from "../support/event-schemas.ts";
import { type HttpReceiver, startHttpReceiver } from "../support/http-receiver.ts";

interface DeliveredEvent {
  "detail-type": string;
  "replay-name"?: string;
  detail: {
    itemId: string;
    owner: string;
    version: number;
    requestId: string;
    idempotencyKey: string;
    changes: Record<string, unknown>;
  };
}

const [webhook] = dev.events.webhooks;
const WEBHOOK_DLQ = `${dev.namePrefix}-webhook-${webhook?.name}-dlq`;

/** `npm run local -- events tail` against the running service, collecting what it prints. */
function tail(service: RunningService): { lines: string[]; connected: () => boolean; process: ChildProcess } {
  const lines: string[] = [];
  let errors = "";
  const child = spawn(
    "node",
    [
      "--no-warnings",
      "scripts/run-ts.mjs",
      "local/main.ts",
      "events",
      "tail",
      "--format",
      "json",
      "--rest-port",
      new URL(service.restUrl).port,
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let pending = "";
  child.stdout?.on("data", (chunk) => {
    pending += chunk;
    const complete = pending.split("\n");
    pending = complete.pop() ?? "";
    lines.push(...complete.filter(Boolean));
  });
  child.stderr?.on("data", (chunk) => {
    errors += chunk;
  });
  // It says so on stderr once the runner holds its request open, i.e. once every later event reaches it.
  return { lines, connected: () => errors.includes("watching the event bus"), process: child };
}

describe("npm run local with a webhook URL: every change reaches the webhook and events tail", () => {
  let receiver: HttpReceiver;
  let service: RunningService;
  let documents: DynamoDBDocumentClient;
  let rows: ItemRows;
  let tailing: ReturnType<typeof tail>;

  beforeAll(async () => {
    receiver = await startHttpReceiver();
    // Refused items stand for a webhook that fails: it answers 500 to them.
    receiver.answerWith((request) => (request.body.includes("Refused") ? 500 : 200));
    service = await startLocalService([
      "--webhook-url",
      `${webhook?.name}=${receiver.url}/item-events`,
      // Retries a hundred times sooner than the dev stack's own back-off.
      "--time-scale",
      "0.01",
    ]);
    const endpoint = /DynamoDB\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(service.output())?.[1];
    if (!endpoint) throw new Error(`the runner printed no DynamoDB endpoint:\n${service.output()}`);
    documents = DynamoDBDocumentClient.from(localClient(endpoint), {
      marshallOptions: { removeUndefinedValues: true },
    });
    rows = new ItemRows(documents, `${dev.namePrefix}-items`);
    tailing = tail(service);
    // Events put before the tail's request is open never reach it: write nothing until it says it watches.
    await waitFor(async () => (tailing.connected() ? true : undefined), 60_000, "events tail to connect");
  }, 90_000);
  afterAll(async () => {
    tailing?.process.kill("SIGTERM");
    documents?.destroy();
    await service?.stop();
    await receiver?.close();
  });

  const deliveredFor = (itemId: string) =>
    receiver.received
      .map((request) => JSON.parse(request.body) as DeliveredEvent)
      .filter((event) => event.detail.itemId === itemId);

  it("delivers create, update and delete of an item to the webhook, in order, as the schemas say", async () => {
    const item = await rows.create({ name: "Lamp", description: "Brass" });
    await rows.update(item.id, { name: "Desk lamp" });
    await rows.delete(item.id);

    const delivered = await waitFor(
      async () => (deliveredFor(item.id).length >= 3 ? deliveredFor(item.id) : undefined),
      20_000,
      "three deliveries",
    );
    expect(delivered.map((event) => [event["detail-type"], event.detail.version])).toEqual([
      ["item.created", 1],
      ["item.updated", 2],
      ["item.deleted", 3],
    ]);
    for (const event of delivered) expect(eventSchemaProblems(event)).toEqual([]);
    const [request] = receiver.received.filter((candidate) => candidate.body.includes(item.id));
    expect(request?.path).toBe("/item-events");
    expect(request?.headers["x-api-key"]).toBe("set-with-aws-events-update-connection");

    const tailed = await waitFor(
      async () => {
        const mine = tailing.lines.filter((line) => line.includes(item.id));
        return mine.length >= 3 ? mine : undefined;
      },
      10_000,
      "the events in events tail",
    );
    expect(tailed.map((line) => (JSON.parse(line) as DeliveredEvent)["detail-type"])).toEqual([
      "item.created",
      "item.updated",
      "item.deleted",
    ]);
  });

  it("publishes what a signed-in user does through the API: their item, their requests, only item data changed", async () => {
    const alice = { ...service, token: await tokenFor(service, "events-alice") };
    const sub = JSON.parse(Buffer.from(String(alice.token.split(".")[1]), "base64url").toString()).sub;
    const perform = async (method: string, path: string, body?: unknown) => {
      const answer = await request(alice, method, path, body);
      expect(answer.status, JSON.stringify(answer.json)).toBe(202);
      const outcome = await outcomeOf(alice, String(answer.json.requestId));
      expect(outcome.status, JSON.stringify(outcome)).toBe("success");
      return { requestId: String(answer.json.requestId), outcome };
    };
    const created = await perform("POST", "/items", { name: "Kettle", description: "Steel" });
    const itemId = String((created.outcome.result as { id: string }).id);
    const renamed = await perform("PUT", `/items/${itemId}`, { name: "Electric kettle" });
    const deleted = await perform("DELETE", `/items/${itemId}`);

    const delivered = await waitFor(
      async () => (deliveredFor(itemId).length >= 3 ? deliveredFor(itemId) : undefined),
      20_000,
      "three deliveries",
    );
    expect(
      delivered.map((event) => [event["detail-type"], event.detail.version, event.detail.requestId]),
    ).toEqual([
      ["item.created", 1, created.requestId],
      ["item.updated", 2, renamed.requestId],
      ["item.deleted", 3, deleted.requestId],
    ]);
    for (const event of delivered) {
      expect(event.detail.owner).toBe(sub);
      expect(eventSchemaProblems(event)).toEqual([]);
    }
    // The row's bookkeeping (owner, version, the change's order key, timestamps) is never reported as item data.
    expect(delivered.map((event) => event.detail.changes)).toEqual([
      { name: { after: "Kettle" }, description: { after: "Steel" } },
      { name: { before: "Kettle", after: "Electric kettle" } },
      { name: { before: "Electric kettle" }, description: { before: "Steel" } },
    ]);
  });

  it("retries a webhook that answers 500, then keeps the event in the webhook's DLQ; the audit log has it", async () => {
    const item = await rows.create({ name: "Refused" });

    const deadLetters = await waitFor(
      async () => {
        const listing = (await (
          await fetch(`${service.restUrl}/_local/events/dead-letters`)
        ).json()) as Record<string, Array<{ attributes: Record<string, string>; body: DeliveredEvent }>>;
        const mine = (listing[WEBHOOK_DLQ] ?? []).filter((message) => message.body.detail.itemId === item.id);
        return mine.length > 0 ? mine : undefined;
      },
      30_000,
      "the refused event in the webhook's DLQ",
    );
    expect(deadLetters).toHaveLength(1);
    expect(deadLetters[0]?.attributes).toMatchObject({
      ERROR_CODE: "ERROR_FROM_TARGET",
      EXHAUSTED_RETRY_CONDITION: "MaximumRetryAttempts",
      RETRY_ATTEMPTS: String(webhook?.retry.maximumRetryAttempts),
    });
    expect(deliveredFor(item.id)).toHaveLength((webhook?.retry.maximumRetryAttempts ?? 0) + 1);

    const audit = (await (await fetch(`${service.restUrl}/_local/events/log`)).json()) as Record<
      string,
      Array<{ message: DeliveredEvent }>
    >;
    expect(
      audit[`/aws/events/${dev.namePrefix}-item-events`]?.some(
        (entry) => entry.message.detail.itemId === item.id,
      ),
    ).toBe(true);
  });

  it("replays the archive to the webhook, each event marked and carrying its original idempotency key", async () => {
    const item = await rows.create({ name: "Replayed" });
    const [original] = await waitFor(
      async () => (deliveredFor(item.id).length > 0 ? deliveredFor(item.id) : undefined),
      10_000,
      "the original delivery",
    );
    const replay = (await (
      await fetch(`${service.restUrl}/_local/events/replay?rule=${dev.namePrefix}-webhook-${webhook?.name}`, {
        method: "POST",
      })
    ).json()) as { name: string; count: number };
    expect(replay.count).toBeGreaterThanOrEqual(1);

    const replayed = await waitFor(
      async () => deliveredFor(item.id).find((event) => event["replay-name"] === replay.name),
      10_000,
      "the replayed delivery",
    );
    expect(replayed.detail.idempotencyKey).toBe(original?.detail.idempotencyKey);
  });
});
