import type { SQSEvent, SQSRecord } from "aws-lambda";
import type { MappingModel } from "../synthesized/service-model.ts";
import type { FunctionHost } from "./functions.ts";
import type { SqsBroker, StoredMessage } from "./sqs/broker.ts";

export type Log = (line: string) => void;

/**
 * One SQS event source mapping: receives batches (batch size, batching window), invokes the function
 * with up to `maxConcurrency` batches in flight, deletes what succeeded and leaves the rest to reappear
 * after the visibility timeout. With `ReportBatchItemFailures`, only the reported records are retried;
 * a failed invocation retries the whole batch, as Lambda does.
 */
export class EventSourcePoller {
  private inFlight = 0;
  private waiting = false;
  private stopped = false;
  private readonly listener = (queueName: string) => {
    if (queueName === this.mapping.queue) this.pump();
  };

  constructor(
    private readonly broker: SqsBroker,
    private readonly host: FunctionHost,
    private readonly mapping: MappingModel,
    private readonly log: Log,
    private readonly timeScale = 1,
  ) {}

  start(): void {
    this.broker.on("visible", this.listener);
    this.pump();
  }

  stop(): void {
    this.stopped = true;
    this.broker.off("visible", this.listener);
  }

  private pump(): void {
    if (this.stopped || this.waiting) return;
    while (this.inFlight < this.mapping.maxConcurrency && this.broker.hasVisible(this.mapping.queue)) {
      const windowMs = this.mapping.maxBatchingWindowSeconds * 1000 * this.timeScale;
      const available = this.broker
        .peek(this.mapping.queue)
        .filter((message) => message.visibleAt <= Date.now()).length;
      if (windowMs > 0 && available < this.mapping.batchSize) {
        // Lambda waits up to the batching window for a full batch.
        this.waiting = true;
        setTimeout(() => {
          this.waiting = false;
          this.take();
          this.pump();
        }, windowMs).unref();
        return;
      }
      if (!this.take()) return;
    }
  }

  private take(): boolean {
    const batch = this.broker.receive(this.mapping.queue, this.mapping.batchSize);
    if (batch.length === 0) return false;
    this.inFlight += 1;
    void this.deliver(batch).finally(() => {
      this.inFlight -= 1;
      this.pump();
    });
    return true;
  }

  private async deliver(batch: StoredMessage[]): Promise<void> {
    const { queue, functionName } = this.mapping;
    const arn = this.broker.spec(queue).arn;
    const receipts = new Map(batch.map((message) => [message.messageId, message.receiptHandle ?? ""]));
    const event: SQSEvent = { Records: batch.map((message) => toRecord(message, arn)) };
    let failed: string[];
    let cause = `${functionName} reported it as a batch item failure`;
    try {
      const result = (await this.host.invoke(functionName, event, this.mapping.qualifier)) as
        | { batchItemFailures?: Array<{ itemIdentifier: string }> }
        | undefined;
      failed = this.mapping.reportsBatchItemFailures
        ? (result?.batchItemFailures ?? []).map((failure) => failure.itemIdentifier)
        : [];
    } catch (error) {
      failed = batch.map((message) => message.messageId);
      cause = `invocation failed: ${(error as Error).message}`;
      this.log(`delivery ${queue} -> ${functionName}: ${cause}; ${batch.length} records will be retried`);
    }
    for (const message of batch) {
      if (failed.includes(message.messageId)) message.lastFailure = cause;
      else this.broker.delete(queue, receipts.get(message.messageId) ?? "");
    }
    this.log(`delivery ${queue} -> ${functionName}: ${batch.length} records, ${failed.length} failed`);
  }
}

function toRecord(message: StoredMessage, queueArn: string): SQSRecord {
  return {
    messageId: message.messageId,
    receiptHandle: message.receiptHandle ?? "",
    body: message.body,
    attributes: {
      ApproximateReceiveCount: String(message.receiveCount),
      SentTimestamp: String(message.sentTimestamp),
      SenderId: "LOCAL",
      ApproximateFirstReceiveTimestamp: String(message.firstReceiveTimestamp ?? message.sentTimestamp),
    },
    messageAttributes: Object.fromEntries(
      Object.entries(message.attributes).map(([name, attribute]) => [
        name,
        {
          stringValue: attribute.StringValue,
          dataType: attribute.DataType,
          stringListValues: [],
          binaryListValues: [],
        },
      ]),
    ),
    md5OfBody: message.md5OfBody,
    eventSource: "aws:sqs",
    eventSourceARN: queueArn,
    awsRegion: queueArn.split(":")[3] ?? "local",
  };
}
