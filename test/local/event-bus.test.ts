import {
  type BusEvent,
  EventBridgeRequestError,
  LocalEventBus,
  type PutEventsEntry,
} from "../../local/events/bus.ts";
import { SqsBroker } from "../../local/sqs/broker.ts";
import type { EventBusModel, RuleModel, TargetModel } from "../../synthesized/event-bus-model.ts";
import { type HttpReceiver, startHttpReceiver } from "../support/http-receiver.ts";

const QUEUES = ["webhook-dlq", "audit-dlq"];

function webhookTarget(
  endpoint: string,
  changes: Partial<TargetModel> = {},
  rateLimitPerSecond = 100,
): TargetModel {
  return {
    id: "webhook",
    retry: { maximumRetryAttempts: 2, maximumEventAgeSeconds: 3600 },
    deadLetterQueue: "webhook-dlq",
    destination: {
      kind: "api-destination",
      apiDestination: {
        name: "crud-test-webhook-hook",
        endpoint,
        httpMethod: "POST",
        rateLimitPerSecond,
        authorization: { type: "API_KEY", headerName: "x-api-key", value: "the-key" },
      },
    },
    ...changes,
  };
}

function busModel(rules: RuleModel[]): EventBusModel {
  return {
    name: "crud-test-items",
    archives: [{ name: "crud-test-items", eventPattern: { source: ["event-crud.items"] }, retentionDays: 7 }],
    rules,
  };
}

const ITEM_RULE = (target: TargetModel): RuleModel => ({
  name: "webhook",
  eventPattern: { source: ["event-crud.items"], "detail-type": [{ prefix: "item." }] },
  enabled: true,
  targets: [target],
});

const AUDIT_RULE: RuleModel = {
  name: "audit",
  eventPattern: { source: ["event-crud.items"] },
  enabled: true,
  targets: [
    {
      id: "audit",
      retry: { maximumRetryAttempts: 185, maximumEventAgeSeconds: 86400 },
      deadLetterQueue: "audit-dlq",
      destination: { kind: "log-group", logGroup: "/aws/events/crud-test-items" },
    },
  ],
};

const entry = (
  detailType: string,
  detail: Record<string, unknown>,
  source = "event-crud.items",
): PutEventsEntry => ({
  EventBusName: "crud-test-items",
  Source: source,
  DetailType: detailType,
  Detail: JSON.stringify(detail),
  Time: 1_800_000_000.25,
});

describe("EventBridge, locally", () => {
  let receiver: HttpReceiver;
  let broker: SqsBroker;
  let bus: LocalEventBus | undefined;
  const logs: string[] = [];

  beforeEach(async () => {
    receiver = await startHttpReceiver();
    broker = new SqsBroker(
      QUEUES.map((name) => ({
        name,
        arn: `arn:aws:sqs:eu-west-1:000000000000:${name}`,
        visibilityTimeoutSeconds: 30,
      })),
    );
    logs.length = 0;
  });
  afterEach(async () => {
    bus?.close();
    broker.close();
    await receiver.close();
  });

  const startBus = (rules: RuleModel[], options: { now?: () => number } = {}) => {
    bus = new LocalEventBus([busModel(rules)], {
      region: "eu-west-1",
      account: "000000000000",
      deadLetter: (queue, body, attributes) => broker.send(queue, body, attributes),
      log: (line) => logs.push(line),
      timeScale: 0.001,
      ...options,
    });
    return bus;
  };
  const deadLetters = async (queue: string, count: number) => {
    for (let waited = 0; waited < 10_000 && broker.peek(queue).length < count; waited += 10)
      await new Promise((resolve) => setTimeout(resolve, 10));
    return broker.peek(queue);
  };

  it("puts an event on the bus as EventBridge shapes it and delivers it to a matching webhook with its key", async () => {
    const local = startBus([ITEM_RULE(webhookTarget(`${receiver.url}/hooks`)), AUDIT_RULE]);
    const answer = local.putEvents([entry("item.created", { itemId: "a" })]);

    expect(answer.FailedEntryCount).toBe(0);
    const [request] = await receiver.waitFor(1);
    expect(request).toMatchObject({
      method: "POST",
      path: "/hooks",
      headers: { "x-api-key": "the-key", "content-type": "application/json; charset=utf-8" },
    });
    const event = JSON.parse(String(request?.body)) as BusEvent;
    expect(event).toEqual({
      version: "0",
      id: (answer.Entries[0] as { EventId: string }).EventId,
      "detail-type": "item.created",
      source: "event-crud.items",
      account: "000000000000",
      time: "2027-01-15T08:00:00Z",
      region: "eu-west-1",
      resources: [],
      detail: { itemId: "a" },
    });
    expect(
      local.logEvents("/aws/events/crud-test-items").map((logged) => JSON.parse(logged.message)),
    ).toEqual([event]);
  });

  it("routes only what a rule's pattern matches", async () => {
    const local = startBus([ITEM_RULE(webhookTarget(receiver.url)), AUDIT_RULE]);
    local.putEvents([entry("job.finished", { id: 1 }), entry("item.deleted", { id: 2 }, "someone.else")]);
    local.putEvents([entry("item.updated", { id: 3 })]);
    const [request] = await receiver.waitFor(1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(receiver.received).toHaveLength(1);
    expect(JSON.parse(String(request?.body)).detail).toEqual({ id: 3 });
    expect(local.logEvents("/aws/events/crud-test-items")).toHaveLength(2);
  });

  it("retries a webhook that answers 500, then sends the event to the target's DLQ with EventBridge's attributes", async () => {
    receiver.answerWith(() => 500);
    const local = startBus([ITEM_RULE(webhookTarget(receiver.url))]);
    local.putEvents([entry("item.created", { itemId: "doomed" })]);

    const [dead] = await deadLetters("webhook-dlq", 1);
    expect(receiver.received).toHaveLength(3);
    expect(JSON.parse(String(dead?.body)).detail).toEqual({ itemId: "doomed" });
    const attribute = (name: string) => dead?.attributes[name]?.StringValue;
    expect({
      rule: attribute("RULE_ARN"),
      target: attribute("TARGET_ARN"),
      code: attribute("ERROR_CODE"),
      exhausted: attribute("EXHAUSTED_RETRY_CONDITION"),
      retries: attribute("RETRY_ATTEMPTS"),
    }).toEqual({
      rule: "arn:aws:events:eu-west-1:000000000000:rule/crud-test-items/webhook",
      target: "arn:aws:events:eu-west-1:000000000000:api-destination/crud-test-webhook-hook",
      code: "ERROR_FROM_TARGET",
      exhausted: "MaximumRetryAttempts",
      retries: "2",
    });
    expect(attribute("ERROR_MESSAGE")).toMatch(/answered 500/);
    expect(local.deliveryCounters()).toMatchObject({
      attempts: 3,
      retried: 2,
      deadLettered: 1,
      delivered: 0,
    });
  });

  it.each([
    [429, 3],
    [401, 3],
    [409, 3],
    [503, 3],
    [400, 1],
    [404, 1],
    [403, 1],
  ])("treats %i as EventBridge does: %i attempt(s) before the DLQ", async (status, attempts) => {
    receiver.answerWith(() => status);
    startBus([ITEM_RULE(webhookTarget(receiver.url))]).putEvents([entry("item.created", {})]);
    const [dead] = await deadLetters("webhook-dlq", 1);
    expect(receiver.received).toHaveLength(attempts);
    expect(dead?.attributes.RETRY_ATTEMPTS?.StringValue).toBe(String(attempts - 1));
    expect(dead?.attributes.EXHAUSTED_RETRY_CONDITION?.StringValue).toBe(
      attempts > 1 ? "MaximumRetryAttempts" : undefined,
    );
  });

  it("delivers after a transient failure without a DLQ message", async () => {
    let calls = 0;
    receiver.answerWith(() => (++calls === 1 ? 502 : 204));
    const local = startBus([ITEM_RULE(webhookTarget(receiver.url))]);
    local.putEvents([entry("item.created", {})]);
    await receiver.waitFor(2);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(broker.peek("webhook-dlq")).toHaveLength(0);
    expect(local.deliveryCounters()).toMatchObject({ delivered: 1, retried: 1 });
  });

  it("gives up when the next retry would come after the maximum event age", async () => {
    receiver.answerWith(() => 500);
    let clock = Date.now();
    const local = startBus(
      [
        ITEM_RULE(
          webhookTarget(receiver.url, { retry: { maximumRetryAttempts: 185, maximumEventAgeSeconds: 60 } }),
        ),
      ],
      {
        now: () => clock,
      },
    );
    local.putEvents([entry("item.created", {})]);
    await receiver.waitFor(1);
    clock += 61_000;
    const [dead] = await deadLetters("webhook-dlq", 1);
    expect(dead?.attributes.EXHAUSTED_RETRY_CONDITION?.StringValue).toBe("MaximumEventAgeInSeconds");
  });

  it("sends an event for a host that does not resolve to the DLQ without retrying", async () => {
    startBus([ITEM_RULE(webhookTarget("http://no-such-host.invalid/hook"))]).putEvents([
      entry("item.created", {}),
    ]);
    const [dead] = await deadLetters("webhook-dlq", 1);
    expect(dead?.attributes.ERROR_CODE?.StringValue).toBe("NO_RESOURCE");
    expect(dead?.attributes.RETRY_ATTEMPTS?.StringValue).toBe("0");
  });

  it("keeps to the destination's invocation rate", async () => {
    const local = startBus([ITEM_RULE(webhookTarget(receiver.url, {}, 20))]);
    for (let index = 0; index < 6; index += 1) local.putEvents([entry("item.created", { index })]);
    const requests = await receiver.waitFor(6);
    const gaps = requests
      .slice(1)
      .map((request, index) => request.at - (requests[index] as { at: number }).at);
    // 20 a second is one every 50 ms. Timers fire a little early or late and a busy machine delays one request
    // more than the next, so single gaps vary; but no two consecutive gaps can add up to a burst.
    const pairs = gaps.slice(1).map((gap, index) => gap + (gaps[index] as number));
    expect(Math.min(...pairs)).toBeGreaterThanOrEqual(70);
    expect((requests.at(-1)?.at ?? 0) - (requests[0]?.at ?? 0)).toBeGreaterThanOrEqual(200);
  });

  it("refuses entries as PutEvents does, one by one, and whole requests it cannot take", () => {
    const local = startBus([AUDIT_RULE]);
    const answer = local.putEvents([
      entry("item.created", { ok: true }),
      { ...entry("item.created", {}), Detail: "[1,2]" },
      { ...entry("item.created", {}), Detail: "{not json" },
      { ...entry("item.created", {}), Source: undefined },
      { ...entry("item.created", {}), EventBusName: "no-such-bus" },
    ]);
    expect(answer.FailedEntryCount).toBe(4);
    expect(answer.Entries.map((result) => ("ErrorCode" in result ? result.ErrorCode : "ok"))).toEqual([
      "ok",
      "MalformedDetail",
      "MalformedDetail",
      "InvalidArgument",
      "ResourceNotFoundException",
    ]);
    expect(() => local.putEvents(Array.from({ length: 11 }, () => entry("item.created", {})))).toThrow(
      EventBridgeRequestError,
    );
    expect(() => local.putEvents([entry("item.created", { big: "x".repeat(300 * 1024) })])).toThrow(
      /Total size of the entries in the request is over the limit/,
    );
  });

  it("archives what the archive's pattern matches and replays it, marked, to the rules asked for", async () => {
    const local = startBus([ITEM_RULE(webhookTarget(receiver.url)), AUDIT_RULE]);
    local.putEvents([
      entry("item.created", { n: 1 }),
      entry("item.updated", { n: 2 }),
      entry("other", {}, "other.source"),
    ]);
    await receiver.waitFor(2);
    expect(local.archived().map((event) => event.detail)).toEqual([{ n: 1 }, { n: 2 }]);
    const tailed: BusEvent[] = [];
    local.on("event", (event: BusEvent) => tailed.push(event));

    expect(local.replay({ rules: ["webhook"] })).toEqual({ name: "local-replay-1", count: 2 });

    const replayed = (await receiver.waitFor(2, (request) => request.body.includes("replay-name"))).map(
      (request) => JSON.parse(request.body) as BusEvent,
    );
    expect(replayed.map((event) => [event["replay-name"], event.detail])).toEqual([
      ["local-replay-1", { n: 1 }],
      ["local-replay-1", { n: 2 }],
    ]);
    expect(replayed.map((event) => event.id)).not.toContain(local.archived()[0]?.id);
    expect(tailed).toHaveLength(2);
    // Only the rule asked for saw the replay (the audit rule logged the two originals); replays are not archived again.
    expect(local.logEvents("/aws/events/crud-test-items")).toHaveLength(2);
    expect(local.archived()).toHaveLength(2);
  });
});
