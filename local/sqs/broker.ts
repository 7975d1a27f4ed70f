import { randomUUID } from "node:crypto";
import { EventEmitter } from "node:events";
import type { QueueModel } from "../../synthesized/service-model.ts";
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
}

export interface BrokerOptions {
  /** Multiplies every visibility timeout: 1 is real time; tests use small values to see retries quickly. */
  readonly timeScale?: number;
  readonly now?: () => number;
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
  readonly counters = { sent: 0, deleted: 0, deadLettered: 0, redriven: 0 };

  constructor(specs: readonly QueueSpec[], options: BrokerOptions = {}) {
    super();
    this.timeScale = options.timeScale ?? 1;
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
    if (body.length === 0) throw new Error("MessageBody must not be empty");
    const message: StoredMessage = {
      messageId: randomUUID(),
      body,
      attributes,
      md5OfBody: md5OfBody(body),
      sentTimestamp: this.now(),
      receiveCount: 0,
      visibleAt: 0,
    };
    this.queue(queueName).messages.push(message);
    this.counters.sent += 1;
    this.emit("visible", queueName);
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
    for (const message of [...messages]) {
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

  /** Deletes a received message; a stale receipt handle (the message was received again since) is ignored. */
  delete(queueName: string, receiptHandle: string): boolean {
    const { messages } = this.queue(queueName);
    const index = messages.findIndex((message) => message.receiptHandle === receiptHandle);
    if (index < 0) return false;
    messages.splice(index, 1);
    this.counters.deleted += 1;
    return true;
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
    if (!queue) throw new Error(`Unknown queue ${name}`);
    return queue;
  }
}
