import { createHash } from "node:crypto";
import {
  SendMessageBatchCommand,
  type SendMessageBatchCommandOutput,
  type SendMessageBatchRequestEntry,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import type { Command } from "../lib/contracts.ts";
import { isPermanentSdkFault } from "../lib/faults.ts";
import type { CreatePayload } from "./rows.ts";

/** Where a row's file is: the object version its rows come from. */
export interface ImportSource {
  readonly bucket: string;
  readonly key: string;
  /** `null` for an object of a bucket without versioning, as S3 names it. */
  readonly versionId: string;
}

/**
 * The command id of one row: from the bucket, key, version and line, so a re-delivered event, or the same version
 * imported again, makes the same commands, and the create consumer (which derives the item id from the command
 * id) creates nothing twice. `imp-` and 40 URL-safe characters: within the request-id contract, and never a
 * REST request's id (those are API Gateway's, without the prefix).
 */
export function importCommandId(source: ImportSource, line: number): string {
  const digest = createHash("sha256")
    .update(["import", source.bucket, source.key, source.versionId, String(line)].join("\u0000"))
    .digest("base64url");
  return `imp-${digest.slice(0, 40)}`;
}

/** The create command of one row: the envelope the REST create route's template builds, owned by the uploader. */
export function createCommandOf(
  source: ImportSource,
  line: number,
  owner: string,
  payload: CreatePayload,
  requestedAt: number,
): Command {
  return {
    requestId: importCommandId(source, line),
    owner,
    operation: "create",
    id: null,
    payload,
    query: null,
    requestedAt,
  };
}

/** SQS takes at most 10 messages in one SendMessageBatch. */
export const SQS_BATCH_SIZE = 10;

/** What became of a row that reached the sender. */
export type SendResult =
  | { readonly line: number; readonly status: "queued"; readonly requestId: string }
  | { readonly line: number; readonly status: "refused"; readonly reason: string };

export interface CommandSenderOptions {
  readonly queueUrl: string;
  /** Batches in flight at once: throughput without holding more than a few batches of rows. @default 4 */
  readonly concurrency?: number;
  /** Attempts for an entry SQS failed (not as the sender's fault) before the import fails. @default 5 */
  readonly entryAttempts?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/**
 * Sends create commands in batches of 10, a few batches at a time. SQS may fail some entries of a batch and not
 * others: those that failed through SQS's fault are sent again (with a backoff), those SQS refuses as the
 * sender's fault are refused rows; an entry still failing after its attempts fails the import, whose retry sends
 * every command again under the same ids, harmlessly.
 */
export class CommandSender {
  private batch: Array<{ line: number; command: Command }> = [];
  private readonly inFlight = new Set<Promise<void>>();
  private failure: unknown;

  constructor(
    private readonly sqs: SQSClient,
    private readonly settled: (results: SendResult[]) => void | Promise<void>,
    private readonly options: CommandSenderOptions,
  ) {}

  /** Queues one command; waits while the batches in flight are at their limit. */
  async add(line: number, command: Command): Promise<void> {
    this.batch.push({ line, command });
    if (this.batch.length >= SQS_BATCH_SIZE) await this.dispatch();
  }

  /** Sends what is left and waits for every batch; throws the first failure of any. */
  async finish(): Promise<void> {
    if (this.batch.length > 0) await this.dispatch();
    await Promise.all(this.inFlight);
    if (this.failure) throw this.failure;
  }

  private async dispatch(): Promise<void> {
    if (this.failure) throw this.failure;
    const batch = this.batch;
    this.batch = [];
    const sending: Promise<void> = this.send(batch)
      .then((results) => this.settled(results))
      .catch((error: unknown) => {
        this.failure ??= error;
      })
      .finally(() => this.inFlight.delete(sending));
    this.inFlight.add(sending);
    while (this.inFlight.size >= (this.options.concurrency ?? 4)) await Promise.race(this.inFlight);
    if (this.failure) throw this.failure;
  }

  private async send(batch: ReadonlyArray<{ line: number; command: Command }>): Promise<SendResult[]> {
    const results: SendResult[] = [];
    let pending = batch.map(({ line, command }) => ({ line, command, entry: entryOf(line, command) }));
    const attempts = this.options.entryAttempts ?? 5;
    const sleep = this.options.sleep ?? ((ms: number) => new Promise((resolve) => setTimeout(resolve, ms)));
    const backOff = (attempt: number) =>
      sleep(Math.min(2000, 100 * 2 ** attempt) * (0.5 + Math.random() / 2));
    for (let attempt = 1; pending.length > 0; attempt += 1) {
      let answer: SendMessageBatchCommandOutput;
      try {
        answer = await this.sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: this.options.queueUrl,
            Entries: pending.map((row) => row.entry),
          }),
        );
      } catch (error) {
        // The whole call failed after the SDK's own retries (or one it does not retry, as KMS throttling):
        // sent again while attempts last, unless SQS refuses the request itself.
        if (isPermanentSdkFault(error) || attempt >= attempts) throw error;
        await backOff(attempt);
        continue;
      }
      const failed = new Map((answer.Failed ?? []).map((entry) => [entry.Id, entry]));
      const retry: typeof pending = [];
      for (const row of pending) {
        const failure = failed.get(row.entry.Id);
        if (!failure) results.push({ line: row.line, status: "queued", requestId: row.command.requestId });
        else if (failure.SenderFault)
          results.push({
            line: row.line,
            status: "refused",
            reason: `SQS refused the command: ${failure.Code}`,
          });
        else retry.push(row);
      }
      if (retry.length > 0 && attempt >= attempts)
        throw new Error(
          `SQS failed ${retry.length} command(s) ${attempts} times (${failed.get(retry[0]?.entry.Id)?.Code}); the import is retried`,
        );
      if (retry.length > 0) await backOff(attempt);
      pending = retry;
    }
    return results.sort((a, b) => a.line - b.line);
  }
}

/** One batch entry: the envelope as body, with the attributes the REST route sets for triage in the DLQ. */
function entryOf(line: number, command: Command): SendMessageBatchRequestEntry {
  return {
    Id: `line-${line}`,
    MessageBody: JSON.stringify(command),
    MessageAttributes: {
      operation: { DataType: "String", StringValue: command.operation },
      requestId: { DataType: "String", StringValue: command.requestId },
    },
  };
}
