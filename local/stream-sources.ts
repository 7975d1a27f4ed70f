import { randomUUID } from "node:crypto";
import type { DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import type { StreamMappingModel } from "../synthesized/event-bus-model.ts";
import { type LocalStreams, sequenceOf } from "./dynamodb-streams/streams.ts";

/** Invokes a function synchronously, as the runner's function host does; throws when the invocation fails. */
export type Invoke = (functionName: string, event: DynamoDBStreamEvent) => Promise<unknown>;

export interface StreamPollerOptions {
  readonly region: string;
  readonly account: string;
  /** Sends a message to one of the stack's queues: the mapping's on-failure destination. */
  readonly sendToQueue: (queue: string, body: string) => void;
  readonly log: (line: string) => void;
  /** Multiplies the batching window and the pause before a retry. */
  readonly timeScale?: number;
  readonly now?: () => number;
}

/** A batch being tried: its records and how many retries it has used. */
interface Attempt {
  readonly records: readonly DynamoDBRecord[];
  readonly retries: number;
}

type Outcome =
  | { readonly kind: "succeeded" }
  | { readonly kind: "failed-from"; readonly index: number }
  | { readonly kind: "function-error"; readonly message: string };

const FIRST_RETRY_PAUSE_MS = 500;
const LONGEST_RETRY_PAUSE_MS = 10_000;

/**
 * One Lambda event source mapping on a DynamoDB stream, as Lambda runs it: per shard, one batch at a time in
 * sequence order (up to the batch size, waiting up to the batching window for a full one). A batch that reports
 * item failures is retried from the lowest reported sequence number; a failed invocation is split in two and each
 * half tried on its own when bisection is on (splitting uses no retry), else retried whole. A batch that runs out
 * of retries, and records older than the maximum record age, go to the on-failure destination as Lambda describes
 * them (shard, sequence numbers, condition, never the records), and the shard moves on. The checkpoint advances
 * past a batch only when all of it is handled.
 */
export class StreamEventSourcePoller {
  private readonly checkpoints = new Map<string, string | undefined>();
  private readonly busy = new Set<string>();
  private readonly woken = new Set<string>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;
  readonly counters = { invocations: 0, records: 0, retried: 0, bisected: 0, discarded: 0 };
  private readonly listener = (table: string, shard: string) => {
    if (table === this.mapping.table) this.pump(shard);
  };

  constructor(
    private readonly streams: LocalStreams,
    private readonly invoke: Invoke,
    private readonly mapping: StreamMappingModel,
    private readonly options: StreamPollerOptions,
  ) {}

  start(): void {
    for (const shard of this.streams.shardIds(this.mapping.table))
      this.checkpoints.set(
        shard,
        this.mapping.startingPosition === "LATEST"
          ? this.streams.latest(this.mapping.table, shard)
          : undefined,
      );
    this.streams.on("records", this.listener);
    for (const shard of this.checkpoints.keys()) this.pump(shard);
  }

  stop(): void {
    this.stopped = true;
    this.streams.off("records", this.listener);
    for (const timer of this.timers) clearTimeout(timer);
  }

  /** Waits until every shard has handled what it holds now (for tests and the benchmark). */
  async drained(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const pending = () =>
      [...this.checkpoints.keys()].some(
        (shard) =>
          this.busy.has(shard) ||
          this.streams.read(this.mapping.table, shard, this.checkpoints.get(shard), 1).length > 0,
      );
    while (pending()) {
      if (Date.now() > deadline)
        throw new Error(`stream ${this.mapping.table} not drained in ${timeoutMs} ms`);
      await this.sleep(10);
    }
  }

  private pump(shard: string): void {
    if (this.stopped) return;
    if (this.busy.has(shard)) {
      // Records may have arrived after the reader's last look: it looks again when it is done.
      this.woken.add(shard);
      return;
    }
    this.busy.add(shard);
    void this.drainShard(shard).finally(() => {
      this.busy.delete(shard);
      if (this.woken.delete(shard)) this.pump(shard);
    });
  }

  private async drainShard(shard: string): Promise<void> {
    const { table, batchSize, maxBatchingWindowSeconds } = this.mapping;
    for (;;) {
      if (this.stopped) return;
      let batch = this.streams.read(table, shard, this.checkpoints.get(shard), batchSize);
      if (batch.length === 0) return;
      if (batch.length < batchSize && maxBatchingWindowSeconds > 0) {
        await this.sleep(maxBatchingWindowSeconds * 1000 * this.timeScale());
        batch = this.streams.read(table, shard, this.checkpoints.get(shard), batchSize);
      }
      await this.handle(shard, batch);
      this.checkpoints.set(shard, sequenceOf(batch[batch.length - 1] as DynamoDBRecord));
    }
  }

  /** Handles one batch to the end: delivered, or set aside to the on-failure destination. */
  private async handle(shard: string, batch: readonly DynamoDBRecord[]): Promise<void> {
    const { maxRetryAttempts, bisectOnError } = this.mapping;
    const attempts: Attempt[] = [{ records: batch, retries: 0 }];
    while (attempts.length > 0 && !this.stopped) {
      const attempt = attempts.shift() as Attempt;
      const records = this.withoutExpired(shard, attempt.records);
      if (records.length === 0) continue;
      const outcome = await this.deliver(shard, records);
      if (outcome.kind === "succeeded") continue;
      if (outcome.kind === "function-error" && bisectOnError && records.length > 1) {
        const half = Math.ceil(records.length / 2);
        this.counters.bisected += 1;
        attempts.unshift(
          { records: records.slice(0, half), retries: attempt.retries },
          {
            records: records.slice(half),
            retries: attempt.retries,
          },
        );
        continue;
      }
      const remaining = outcome.kind === "failed-from" ? records.slice(outcome.index) : records;
      const retries = attempt.retries + 1;
      if (maxRetryAttempts >= 0 && retries > maxRetryAttempts) {
        this.discard(shard, remaining, "RetryAttemptsExhausted", retries, outcome);
        continue;
      }
      this.counters.retried += 1;
      await this.sleep(
        Math.min(FIRST_RETRY_PAUSE_MS * 2 ** (retries - 1), LONGEST_RETRY_PAUSE_MS) * this.timeScale(),
      );
      attempts.unshift({ records: remaining, retries });
    }
  }

  private async deliver(shard: string, records: readonly DynamoDBRecord[]): Promise<Outcome> {
    const { functionName, table, reportsBatchItemFailures } = this.mapping;
    this.counters.invocations += 1;
    this.counters.records += records.length;
    let result: unknown;
    try {
      result = await this.invoke(functionName, { Records: [...records] });
    } catch (error) {
      const message = (error as Error).message;
      this.options.log(
        `stream ${table}/${shard} -> ${functionName}: ${records.length} records, invocation failed (${message})`,
      );
      return { kind: "function-error", message };
    }
    const failures = reportsBatchItemFailures
      ? ((result as { batchItemFailures?: Array<{ itemIdentifier?: unknown }> } | undefined)
          ?.batchItemFailures ?? [])
      : [];
    if (failures.length === 0) {
      this.options.log(`stream ${table}/${shard} -> ${functionName}: ${records.length} records`);
      return { kind: "succeeded" };
    }
    // Lambda resumes from the lowest reported sequence number; an identifier it cannot place fails the whole batch.
    const indexes = failures.map((failure) =>
      records.findIndex(
        (record) =>
          typeof failure.itemIdentifier === "string" && sequenceOf(record) === failure.itemIdentifier,
      ),
    );
    const index = indexes.includes(-1) ? 0 : Math.min(...indexes);
    this.options.log(
      `stream ${table}/${shard} -> ${functionName}: ${records.length} records, retrying from record ${index + 1}`,
    );
    return { kind: "failed-from", index };
  }

  /** Records older than the maximum record age go to the destination unprocessed; the rest go on. */
  private withoutExpired(shard: string, records: readonly DynamoDBRecord[]): readonly DynamoDBRecord[] {
    const { maxRecordAgeSeconds } = this.mapping;
    if (maxRecordAgeSeconds < 0) return records;
    const oldest = (this.options.now ?? Date.now)() / 1000 - maxRecordAgeSeconds;
    const fresh = records.findIndex(
      (record) => Number(record.dynamodb?.ApproximateCreationDateTime ?? 0) >= oldest,
    );
    const expired = fresh < 0 ? records : records.slice(0, fresh);
    if (expired.length > 0) this.discard(shard, expired, "RecordAgeExceeded", 0, { kind: "succeeded" });
    return fresh < 0 ? [] : records.slice(fresh);
  }

  /** Sends Lambda's description of the discarded records to the on-failure destination; drops them without one. */
  private discard(
    shard: string,
    records: readonly DynamoDBRecord[],
    condition: "RetryAttemptsExhausted" | "RecordAgeExceeded",
    invocations: number,
    outcome: Outcome,
  ): void {
    const { functionName, table, onFailureQueue } = this.mapping;
    this.counters.discarded += records.length;
    const first = records[0] as DynamoDBRecord;
    const last = records[records.length - 1] as DynamoDBRecord;
    const arrival = (record: DynamoDBRecord) =>
      new Date(Number(record.dynamodb?.ApproximateCreationDateTime ?? 0) * 1000)
        .toISOString()
        .replace(/\.\d{3}Z$/, "Z");
    const description = {
      requestContext: {
        requestId: randomUUID(),
        functionArn: `arn:aws:lambda:${this.options.region}:${this.options.account}:function:${functionName}`,
        condition,
        approximateInvokeCount: invocations,
      },
      responseContext: {
        statusCode: 200,
        executedVersion: "$LATEST",
        ...(outcome.kind === "function-error" ? { functionError: "Unhandled" } : {}),
      },
      version: "1.0",
      timestamp: new Date((this.options.now ?? Date.now)()).toISOString(),
      DDBStreamBatchInfo: {
        shardId: shard,
        startSequenceNumber: sequenceOf(first),
        endSequenceNumber: sequenceOf(last),
        approximateArrivalOfFirstRecord: arrival(first),
        approximateArrivalOfLastRecord: arrival(last),
        batchSize: records.length,
        streamArn: this.streams.streamArn(table),
      },
    };
    const where = onFailureQueue ?? "nowhere (no on-failure destination)";
    this.options.log(
      `stream ${table}/${shard} -> ${functionName}: ${records.length} records discarded (${condition}) to ${where}`,
    );
    if (onFailureQueue) this.options.sendToQueue(onFailureQueue, JSON.stringify(description));
  }

  private timeScale(): number {
    return this.options.timeScale ?? 1;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      timer.unref();
      this.timers.add(timer);
    });
  }
}
