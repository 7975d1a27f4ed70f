import { randomUUID } from "node:crypto";
import { EventEmitter } from "node:events";
import type { QueueModel } from "../../synthesized/service-model.ts";
import { Chaos } from "../chaos/chaos.ts";
import { md5OfAttributes, md5OfBody, type StringAttribute } from "./md5.ts";

/** A queue as the stack declares it, with the ARN it has locally. */
export interface QueueSpec extends QueueModel {
  readonly arn: string;
}

export interface StoredMessage {
  readonly messageId: string;
  readonly body: string;
  readonly attributes: Readonly<Record<string, StringAttribute>>;
  readonly md5OfBody: string;
  readonly sentTimestamp: number;
  receiveCount: number;
  firstReceiveTimestamp?: number;
  visibleAt: number;
  receiptHandle?: string;
  /** Set when the message was moved to a dead-letter queue: the queue it failed in. */
  sourceQueueArn?: string;
  /** Why its last delivery failed, as the consumer reported it: what a DLQ listing shows as the cause. */
  lastFailure?: string;
  /** A copy chaos delivered again after its original was deleted; it is not duplicated again. */
  duplicated?: boolean;
}

export interface BrokerOptions {
  /** Multiplies every visibility timeout: 1 is real time; tests use small values to see retries quickly. */
  readonly timeScale?: number;
  readonly now?: () => number;
  /** Duplicate deliveries and reordering, as a standard queue may do. @default none */
  readonly chaos?: Chaos;
}

/** SQS's limit on a message: body and attributes (names, types and values), in UTF-8 bytes. */
export const MAX_MESSAGE_BYTES = 262_144;

/** An error SQS answers with, by its error code. */
export class SqsError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = code;
  }
}

/**
 * SQS semantics in memory: a received message stays invisible for the queue's visibility timeout and is
 * redelivered unless deleted; each receive counts; a message received `maxReceiveCount` times moves to the
 * dead-letter queue (keeping its id, as SQS does) instead of being delivered again. Emits `visible` with the
 * queue name whenever messages may be receivable, so pollers need not spin.
 */
export class SqsBroker extends EventEmitter {
  private readonly queues = new Map<string, { spec: QueueSpec; messages: StoredMessage[] }>();
  private readonly timeScale: number;
  private readonly now: () => number;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly chaos: Chaos;
  readonly counters = { sent: 0, deleted: 0, deadLettered: 0, redriven: 0 };

  constructor(specs: readonly QueueSpec[], options: BrokerOptions = {}) {
    super();
    this.timeScale = options.timeScale ?? 1;
    this.chaos = options.chaos ?? Chaos.none;
    this.now = options.now ?? Date.now;
    for (const spec of specs) this.queues.set(spec.name, { spec, messages: [] });
    for (const spec of specs) {
      if (spec.redrive && !this.queues.has(spec.redrive.deadLetterQueue)) {
        throw new Error(`Queue ${spec.name} redrives to unknown queue ${spec.redrive.deadLetterQueue}`);
      }
    }
  }

  queueNames(): string[] {
    return [...this.queues.keys()];
  }

  spec(queueName: string): QueueSpec {
    return this.queue(queueName).spec;
  }

  send(queueName: string, body: string, attributes: Readonly<Record<string, StringAttribute>> = {}) {
    if (body.length === 0)
      throw new SqsError("MissingParameter", "The request must contain the parameter MessageBody.");
    const size =
      Buffer.byteLength(body) +
      Object.entries(attributes).reduce(
        (sum, [name, value]) =>
          sum +
          Buffer.byteLength(name) +
          Buffer.byteLength(value.DataType) +
          Buffer.byteLength(value.StringValue ?? ""),
        0,
      );
    if (size > MAX_MESSAGE_BYTES)
      throw new SqsError(
        "InvalidParameterValue",
        `One or more parameters are invalid. Reason: Message must be shorter than ${MAX_MESSAGE_BYTES} bytes.`,
      );
    const message: StoredMessage = {
      messageId: randomUUID(),
      body,
      attributes,
      md5OfBody: md5OfBody(body),
      sentTimestamp: this.now(),
      receiveCount: 0,
      // A standard queue's hosts do not all see a new message at once: under chaos, it surfaces a little later.
      visibleAt: this.chaos.rates.reorder ? this.now() + this.chaos.delay(200) : 0,
    };
    this.queue(queueName).messages.push(message);
    this.counters.sent += 1;
    if (message.visibleAt <= this.now()) this.emit("visible", queueName);
    else this.wakeWhenVisible(queueName, message.visibleAt - this.now());
    return {
      messageId: message.messageId,
      md5OfBody: message.md5OfBody,
      md5OfAttributes: Object.keys(attributes).length > 0 ? md5OfAttributes(attributes) : undefined,
    };
  }

  /** Up to `max` visible messages, now invisible for the visibility timeout, each with a new receipt handle. */
  receive(queueName: string, max: number): StoredMessage[] {
    const { spec, messages } = this.queue(queueName);
    const now = this.now();
    const received: StoredMessage[] = [];
    for (const message of this.chaos.shuffle(messages)) {
      if (received.length >= max) break;
      if (message.visibleAt > now) continue;
      if (spec.redrive && message.receiveCount >= spec.redrive.maxReceiveCount) {
        this.moveToDeadLetter(queueName, message);
        continue;
      }
      message.receiveCount += 1;
      message.firstReceiveTimestamp ??= now;
      message.receiptHandle = randomUUID();
      message.visibleAt = now + spec.visibilityTimeoutSeconds * 1000 * this.timeScale;
      received.push(message);
    }
    if (received.length > 0)
      this.wakeWhenVisible(queueName, Math.max(...received.map((message) => message.visibleAt)) - now);
    return received;
  }

  /**
   * Deletes a received message; a stale receipt handle (the message was received again since) is ignored. Under
   * chaos a deleted message may come back once more, the same message id and body: at-least-once delivery.
   */
  delete(queueName: string, receiptHandle: string): boolean {
    const { messages } = this.queue(queueName);
    const index = messages.findIndex((message) => message.receiptHandle === receiptHandle);
    if (index < 0) return false;
    const [deleted] = messages.splice(index, 1);
    this.counters.deleted += 1;
    if (
      deleted &&
      !deleted.duplicated &&
      this.chaos.strikes("duplicate delivery", this.chaos.rates.duplicate)
    ) {
      const copy: StoredMessage = { ...deleted, duplicated: true, receiptHandle: undefined };
      copy.visibleAt = this.now() + this.chaos.delay(2_000);
      messages.push(copy);
      this.wakeWhenVisible(queueName, copy.visibleAt - this.now());
    }
    return true;
  }

  /** ChangeMessageVisibility: the received message becomes visible `seconds` from now (0 to 43200). */
  changeVisibility(queueName: string, receiptHandle: string, seconds: number): void {
    if (!Number.isInteger(seconds) || seconds < 0 || seconds > 43_200)
      throw new SqsError(
        "InvalidParameterValue",
        `Value ${seconds} for parameter VisibilityTimeout is invalid.`,
      );
    const message = this.queue(queueName).messages.find(
      (candidate) => candidate.receiptHandle === receiptHandle,
    );
    if (!message)
      throw new SqsError("ReceiptHandleIsInvalid", `The receipt handle "${receiptHandle}" is not valid.`);
    if (message.visibleAt <= this.now())
      throw new SqsError("MessageNotInflight", "The message referred to is not in flight.");
    message.visibleAt = this.now() + seconds * 1000 * this.timeScale;
    this.wakeWhenVisible(queueName, message.visibleAt - this.now());
  }

  /** Every message of a queue, visible or not (for the DLQ listing). */
  peek(queueName: string): readonly StoredMessage[] {
    return this.queue(queueName).messages;
  }

  hasVisible(queueName: string): boolean {
    const now = this.now();
    return this.queue(queueName).messages.some((message) => message.visibleAt <= now);
  }

  /** Moves every message of a dead-letter queue back to the queue it failed in, with a new id, as a redrive does. */
  redrive(deadLetterQueue: string): number {
    const { messages } = this.queue(deadLetterQueue);
    const moving = messages.splice(0, messages.length);
    for (const message of moving) {
      const source = [...this.queues.values()].find((queue) => queue.spec.arn === message.sourceQueueArn);
      if (!source) throw new Error(`Message ${message.messageId} has no source queue to return to`);
      this.send(source.spec.name, message.body, message.attributes);
      this.counters.sent -= 1;
      this.counters.redriven += 1;
    }
    return moving.length;
  }

  close(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.removeAllListeners();
  }

  private moveToDeadLetter(queueName: string, message: StoredMessage): void {
    const { spec, messages } = this.queue(queueName);
    const deadLetter = this.queue(spec.redrive?.deadLetterQueue ?? "");
    messages.splice(messages.indexOf(message), 1);
    message.sourceQueueArn = spec.arn;
    message.visibleAt = 0;
    message.receiptHandle = undefined;
    deadLetter.messages.push(message);
    this.counters.deadLettered += 1;
    this.emit("dead-letter", queueName, message);
    this.emit("visible", deadLetter.spec.name);
  }

  private wakeWhenVisible(queueName: string, delayMs: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.emit("visible", queueName);
    }, Math.max(0, delayMs) + 1);
    timer.unref();
    this.timers.add(timer);
  }

  private queue(name: string) {
    const queue = this.queues.get(name);
    if (!queue)
      throw new SqsError(
        "AWS.SimpleQueueService.NonExistentQueue",
        `The specified queue ${name} does not exist.`,
      );
    return queue;
  }
}
