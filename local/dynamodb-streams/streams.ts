import { createHash, randomBytes } from "node:crypto";
import { EventEmitter } from "node:events";
import path from "node:path";
import { Worker } from "node:worker_threads";
import type { DynamoDBRecord } from "aws-lambda";
import { build } from "esbuild";
import type { StreamedTableModel } from "../../synthesized/event-bus-model.ts";
import type { TableModel } from "../../synthesized/service-model.ts";
import type { ItemChange, RecordedTable } from "./recorder.ts";
import { SERVICE_PRINCIPAL_PATH } from "./service-path.ts";

/** DynamoDB Streams keeps records 24 hours. */
const RETENTION_MS = 24 * 60 * 60 * 1000;
/** Sequence numbers are decimal strings of one length, so they order as text and as numbers alike. */
const SEQUENCE_BASE = 10n ** 20n;

export interface LocalStreamsOptions {
  readonly region: string;
  readonly account: string;
  /** Shards per stream; records of one item always go to the same shard, in commit order. @default 4 */
  readonly shardCount?: number;
  readonly now?: () => number;
}

/**
 * DynamoDB Streams for the runner: each stream-enabled table's changes as stream records (the images its view type
 * asks for, sequence numbers increasing per shard, TTL deletions marked with DynamoDB's service identity), split
 * over shards by key so one item's changes stay in order, and kept 24 hours. Emits `records` with the table and
 * shard whenever a shard grows, so readers need not poll.
 */
export class LocalStreams extends EventEmitter {
  private readonly streams = new Map<
    string,
    { model: StreamedTableModel; arn: string; shards: DynamoDBRecord[][] }
  >();
  private sequence = 0n;
  private readonly shardCount: number;
  private readonly now: () => number;

  constructor(
    tables: readonly StreamedTableModel[],
    private readonly options: LocalStreamsOptions,
  ) {
    super();
    this.shardCount = options.shardCount ?? 4;
    this.now = options.now ?? Date.now;
    // A stream's label is the time it was enabled; the runner's start stands in for it.
    const label = new Date(this.now()).toISOString().replace("Z", "");
    for (const model of tables)
      this.streams.set(model.name, {
        model,
        arn: `arn:aws:dynamodb:${options.region}:${options.account}:table/${model.name}/stream/${label}`,
        shards: Array.from({ length: this.shardCount }, () => []),
      });
  }

  tables(): string[] {
    return [...this.streams.keys()];
  }

  streamArn(table: string): string {
    return this.stream(table).arn;
  }

  shardIds(table: string): string[] {
    return this.stream(table).shards.map((_, index) => shardId(index));
  }

  /** Appends one committed change to its table's stream (ignored for a table without one). */
  append(change: ItemChange): void {
    const stream = this.streams.get(change.table);
    if (!stream) return;
    const index = shardOf(change.keys, this.shardCount);
    const shard = stream.shards[index] as DynamoDBRecord[];
    const cutoff = this.now() - RETENTION_MS;
    while (shard.length > 0 && Number(shard[0]?.dynamodb?.ApproximateCreationDateTime ?? 0) * 1000 < cutoff)
      shard.shift();
    this.sequence += 1n;
    const view = stream.model.viewType;
    const record: DynamoDBRecord = {
      eventID: randomBytes(16).toString("hex"),
      eventName: change.eventName,
      eventVersion: "1.1",
      eventSource: "aws:dynamodb",
      awsRegion: this.options.region,
      dynamodb: {
        ApproximateCreationDateTime: Math.floor(change.committedAt / 1000),
        Keys: change.keys as never,
        ...(change.newImage && (view === "NEW_IMAGE" || view === "NEW_AND_OLD_IMAGES")
          ? { NewImage: change.newImage as never }
          : {}),
        ...(change.oldImage && (view === "OLD_IMAGE" || view === "NEW_AND_OLD_IMAGES")
          ? { OldImage: change.oldImage as never }
          : {}),
        SequenceNumber: String(SEQUENCE_BASE + this.sequence),
        SizeBytes: Buffer.byteLength(
          JSON.stringify([change.keys, change.newImage ?? {}, change.oldImage ?? {}]),
        ),
        StreamViewType: view,
      },
      eventSourceARN: stream.arn,
      ...(change.byService
        ? { userIdentity: { type: "Service", principalId: "dynamodb.amazonaws.com" } }
        : {}),
    };
    shard.push(record);
    this.emit("records", change.table, shardId(index));
  }

  /** Up to `max` records of a shard after the sequence number `after` (from the oldest kept when undefined). */
  read(table: string, shard: string, after: string | undefined, max: number): DynamoDBRecord[] {
    const records = this.stream(table).shards[Number(shard.split("-").pop())] ?? [];
    const start = after === undefined ? 0 : records.findIndex((record) => sequenceOf(record) > after);
    return start < 0 ? [] : records.slice(start, start + max);
  }

  /** The newest sequence number of a shard, for readers starting at LATEST. */
  latest(table: string, shard: string): string | undefined {
    const records = this.stream(table).shards[Number(shard.split("-").pop())] ?? [];
    const last = records[records.length - 1];
    return last ? sequenceOf(last) : undefined;
  }

  private stream(table: string) {
    const stream = this.streams.get(table);
    if (!stream) throw new Error(`Table ${table} has no stream`);
    return stream;
  }
}

export function sequenceOf(record: DynamoDBRecord): string {
  return record.dynamodb?.SequenceNumber ?? "";
}

const shardId = (index: number) => `shardId-${String(index).padStart(8, "0")}`;

function shardOf(keys: unknown, shardCount: number): number {
  return createHash("md5").update(JSON.stringify(keys)).digest().readUInt32BE(0) % shardCount;
}

export interface StreamRecorderPeer {
  /** DynamoDB endpoint that records: hand it to everything that writes. */
  readonly endpoint: string;
  /** The same endpoint, for writes DynamoDB itself makes (the TTL sweeper's deletions). */
  readonly serviceEndpoint: string;
  close(): Promise<void>;
}

/**
 * Starts the stream recorder's thread in front of `upstream` (dynalite) for the stack's stream-enabled tables,
 * appending every change it records to `streams`.
 */
export async function startStreamRecorder(
  projectRoot: string,
  upstream: string,
  tables: readonly TableModel[],
  streams: LocalStreams,
): Promise<StreamRecorderPeer> {
  const streamed = new Set(streams.tables());
  const recorded: RecordedTable[] = tables
    .filter((table) => streamed.has(table.name))
    .map((table) => ({
      name: table.name,
      keyNames: [table.hashKey, ...(table.rangeKey ? [table.rangeKey] : [])],
    }));
  const outfile = path.join(projectRoot, ".build", "local", "dynamodb-stream-recorder.mjs");
  await build({
    absWorkingDir: projectRoot,
    entryPoints: [path.join(projectRoot, "local", "dynamodb-streams", "recorder-worker.ts")],
    outfile,
    bundle: true,
    packages: "external",
    platform: "node",
    format: "esm",
    target: "node20",
    logLevel: "warning",
  });
  const worker = new Worker(outfile, { workerData: { upstream, tables: recorded } });
  const port = await new Promise<number>((resolve, reject) => {
    worker.once("error", reject);
    worker.on("message", (message: { port?: number; change?: ItemChange }) => {
      if (message.port) resolve(message.port);
      if (message.change) streams.append(message.change);
    });
  });
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    serviceEndpoint: `${endpoint}${SERVICE_PRINCIPAL_PATH}`,
    close: async () => {
      const closed = new Promise<void>((resolve) => {
        const listener = (message: { closed?: boolean }) => {
          if (!message.closed) return;
          worker.off("message", listener);
          resolve();
        };
        worker.on("message", listener);
      });
      worker.postMessage("close");
      await closed;
      await worker.terminate();
    },
  };
}
