import type { DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import { LocalStreams } from "../../local/dynamodb-streams/streams.ts";
import { type Invoke, StreamEventSourcePoller } from "../../local/stream-sources.ts";
import type { StreamMappingModel } from "../../synthesized/event-bus-model.ts";

const TABLE = "items";
const MAPPING: StreamMappingModel = {
  table: TABLE,
  functionName: "publisher",
  batchSize: 10,
  maxBatchingWindowSeconds: 0,
  maxRetryAttempts: 2,
  maxRecordAgeSeconds: 3600,
  bisectOnError: true,
  reportsBatchItemFailures: true,
  startingPosition: "TRIM_HORIZON",
  onFailureQueue: "failures",
};

/** A scripted function: records every batch it is given and answers as `answer` says. */
function scriptedFunction(answer: (records: readonly DynamoDBRecord[]) => unknown) {
  const batches: string[][] = [];
  const invoke = async (_name: string, event: DynamoDBStreamEvent) => {
    batches.push(event.Records.map(nameOf));
    const result = answer(event.Records);
    if (result instanceof Error) throw result;
    return result;
  };
  return { batches, invoke };
}

const nameOf = (record: DynamoDBRecord) => String(record.dynamodb?.NewImage?.name?.S);

interface Harness {
  streams: LocalStreams;
  poller: StreamEventSourcePoller;
  sent: Array<{ queue: string; body: Record<string, unknown> }>;
  append(names: string[], committedAt?: number): void;
}

function harness(invoke: Invoke, mapping = MAPPING, now = Date.now): Harness {
  // One shard, so the order of every record is the order of the stream.
  const streams = new LocalStreams([{ name: TABLE, viewType: "NEW_AND_OLD_IMAGES" }], {
    region: "eu-west-1",
    account: "000000000000",
    shardCount: 1,
    now,
  });
  const sent: Harness["sent"] = [];
  const poller = new StreamEventSourcePoller(streams, invoke, mapping, {
    region: "eu-west-1",
    account: "000000000000",
    sendToQueue: (queue, body) => sent.push({ queue, body: JSON.parse(body) }),
    log: () => undefined,
    timeScale: 0.001,
    now,
  });
  const append = (names: string[], committedAt = now()) => {
    for (const name of names)
      streams.append({
        table: TABLE,
        eventName: "INSERT",
        keys: { id: { S: name } },
        newImage: { id: { S: name }, name: { S: name } },
        committedAt,
      });
  };
  return { streams, poller, sent, append };
}

const names = (count: number, prefix = "r") =>
  Array.from({ length: count }, (_, index) => `${prefix}${index + 1}`);

describe("a Lambda event source mapping on a DynamoDB stream, locally", () => {
  it("delivers a shard in order, in batches of at most the batch size, each record once", async () => {
    const fn = scriptedFunction(() => ({ batchItemFailures: [] }));
    const { poller, append } = harness(fn.invoke);
    append(names(25));
    poller.start();
    await poller.drained();
    poller.stop();
    expect(fn.batches.map((batch) => batch.length)).toEqual([10, 10, 5]);
    expect(fn.batches.flat()).toEqual(names(25));
  });

  it("resumes from the lowest reported failure, redelivering nothing before it", async () => {
    let failedOnce = false;
    const fn = scriptedFunction((records) => {
      const third = records.find((record) => nameOf(record) === "r3");
      if (!third || failedOnce) return { batchItemFailures: [] };
      failedOnce = true;
      return { batchItemFailures: [{ itemIdentifier: third.dynamodb?.SequenceNumber }] };
    });
    const { poller, append, sent } = harness(fn.invoke);
    append(names(5));
    poller.start();
    await poller.drained();
    poller.stop();
    expect(fn.batches).toEqual([names(5), ["r3", "r4", "r5"]]);
    expect(sent).toEqual([]);
  });

  it("isolates a record that fails every invocation by bisecting, and sends only that record's position on", async () => {
    const fn = scriptedFunction((records) =>
      records.some((record) => nameOf(record) === "r6")
        ? new Error("cannot handle r6")
        : { batchItemFailures: [] },
    );
    const { poller, append, sent, streams } = harness(fn.invoke);
    append(names(8));
    poller.start();
    await poller.drained();
    poller.stop();

    const delivered = fn.batches.filter((batch) => !batch.includes("r6")).flat();
    expect(delivered.sort()).toEqual(
      names(8)
        .filter((name) => name !== "r6")
        .sort(),
    );
    // Once alone, r6 is tried 1 + maxRetryAttempts times; the splits before that use no retry.
    expect(fn.batches.filter((batch) => batch.length === 1 && batch[0] === "r6")).toHaveLength(3);
    const [r6] = streams
      .read(TABLE, "shardId-00000000", undefined, 100)
      .filter((record) => nameOf(record) === "r6");
    expect(sent).toEqual([
      {
        queue: "failures",
        body: expect.objectContaining({
          requestContext: expect.objectContaining({
            condition: "RetryAttemptsExhausted",
            approximateInvokeCount: 3,
            functionArn: "arn:aws:lambda:eu-west-1:000000000000:function:publisher",
          }),
          responseContext: { statusCode: 200, executedVersion: "$LATEST", functionError: "Unhandled" },
          version: "1.0",
          DDBStreamBatchInfo: expect.objectContaining({
            shardId: "shardId-00000000",
            startSequenceNumber: r6?.dynamodb?.SequenceNumber,
            endSequenceNumber: r6?.dynamodb?.SequenceNumber,
            batchSize: 1,
            streamArn: streams.streamArn(TABLE),
          }),
        }),
      },
    ]);
  });

  it("without bisection, retries the whole batch and then sends all of it on", async () => {
    const fn = scriptedFunction(() => new Error("always"));
    const { poller, append, sent } = harness(fn.invoke, { ...MAPPING, bisectOnError: false });
    append(names(4));
    poller.start();
    await poller.drained();
    poller.stop();
    expect(fn.batches).toEqual([names(4), names(4), names(4)]);
    expect(
      sent.map((message) => (message.body.DDBStreamBatchInfo as { batchSize: number }).batchSize),
    ).toEqual([4]);
  });

  it("sends on the records after a failure that persists past the retries, as Lambda discards the rest of the batch", async () => {
    const fn = scriptedFunction((records) => ({
      batchItemFailures: records
        .filter((record) => nameOf(record) === "r2")
        .map((record) => ({
          itemIdentifier: record.dynamodb?.SequenceNumber,
        })),
    }));
    const { poller, append, sent } = harness(fn.invoke);
    append(names(3));
    poller.start();
    await poller.drained();
    poller.stop();
    expect(fn.batches).toEqual([names(3), ["r2", "r3"], ["r2", "r3"]]);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.body).toMatchObject({
      requestContext: { condition: "RetryAttemptsExhausted", approximateInvokeCount: 3 },
      DDBStreamBatchInfo: { batchSize: 2 },
    });
    expect(sent[0]?.body.responseContext).not.toHaveProperty("functionError");
  });

  it("sends on records older than the maximum record age without invoking the function with them", async () => {
    const now = Date.now();
    const fn = scriptedFunction(() => ({ batchItemFailures: [] }));
    const { poller, append, sent } = harness(fn.invoke, MAPPING, () => now);
    append(["stale-1", "stale-2"], now - 3601 * 1000);
    append(["fresh"], now);
    poller.start();
    await poller.drained();
    poller.stop();
    expect(fn.batches).toEqual([["fresh"]]);
    expect(sent.map((message) => message.body.requestContext)).toEqual([
      expect.objectContaining({ condition: "RecordAgeExceeded" }),
    ]);
    expect(sent[0]?.body.DDBStreamBatchInfo).toMatchObject({ batchSize: 2 });
  });

  it("treats a failure it cannot place as a failure of the whole batch", async () => {
    let answered = false;
    const fn = scriptedFunction(() => {
      if (answered) return { batchItemFailures: [] };
      answered = true;
      return { batchItemFailures: [{ itemIdentifier: "" }] };
    });
    const { poller, append } = harness(fn.invoke);
    append(names(3));
    poller.start();
    await poller.drained();
    poller.stop();
    expect(fn.batches).toEqual([names(3), names(3)]);
  });

  it("starts at LATEST without the records already in the stream", async () => {
    const fn = scriptedFunction(() => ({ batchItemFailures: [] }));
    const { poller, append } = harness(fn.invoke, { ...MAPPING, startingPosition: "LATEST" });
    append(["before"]);
    poller.start();
    append(["after"]);
    await poller.drained();
    poller.stop();
    expect(fn.batches.flat()).toEqual(["after"]);
  });
});
