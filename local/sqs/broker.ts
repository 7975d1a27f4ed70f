import { randomUUID } from "node:crypto";
import { EventEmitter } from "node:events";
import type { QueueModel } from "../../synthesized/service-model.ts";
import { Chaos } from "../chaos/chaos.ts";
import { invalidParameter, queueDoesNotExist, SqsError } from "./errors.ts";
import { md5OfAttributes, md5OfBody, type StringAttribute } from "./md5.ts";
import { MessageMoveTasks, type MovableMessage, type MoveTaskQueues } from "./move-tasks.ts";

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
  /** When the current receive happened: SQS keeps a message invisible for at most 12 hours from it. */
  receivedAt?: number;
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

export interface QueueCounts {
  /** Messages a receive could return now (`ApproximateNumberOfMessages`). */
  readonly visible: number;
  /** Messages received and neither deleted nor visible again (`ApproximateNumberOfMessagesNotVisible`). */
  readonly inFlight: number;
  /** Messages sent with a delay that has not passed (`ApproximateNumberOfMessagesDelayed`). */
  readonly delayed: number;
}

const MAX_VISIBILITY_SECONDS = 43_200;
const PURGE_INTERVAL_MS = 60_000;
const DEFAULT_RETENTION_SECONDS = 345_600;

/**
 * SQS semantics in memory: a received message stays invisible for the queue's visibility timeout (or the
 * receive's, or what `changeVisibility` sets) and is redelivered unless deleted; each receive counts; a message
 * received `maxReceiveCount` times moves to the dead-letter queue (keeping its id, as SQS does) instead of being
 * delivered again; messages older than the queue's retention period are gone. Receipt handles name their queue
 * and message, so a handle of another queue, or no handle at all, is refused as SQS refuses it. Message move
 * tasks (`moveTasks`) redrive dead-letter queues. Emits `visible` with the queue name whenever messages may be
 * receivable, so pollers need not spin.
 */
export class SqsBroker extends EventEmitter implements MoveTaskQueues {
  private readonly queues = new Map<
    string,
    { spec: QueueSpec; messages: StoredMessage[]; purgedAt?: number }
  >();
  private readonly timeScale: number;
  private readonly now: () => number;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly chaos: Chaos;
  private readonly createdAt: number;
  readonly counters = { sent: 0, deleted: 0, deadLettered: 0, redriven: 0, purged: 0 };
  /** Messages sent, per queue: what a test that must see one queue untouched reads, whatever the others do. */
  readonly sentTo = new Map<string, number>();
  /** The dead-letter queue redrives: one implementation for the SQS endpoint and the runner's `dlq` commands. */
  readonly moveTasks: MessageMoveTasks;

  constructor(specs: readonly QueueSpec[], options: BrokerOptions = {}) {
    super();
    this.timeScale = options.timeScale ?? 1;
    this.chaos = options.chaos ?? Chaos.none;
    this.now = options.now ?? Date.now;
    this.createdAt = this.now();
    for (const spec of specs) this.queues.set(spec.name, { spec, messages: [] });
    for (const spec of specs) {
      if (spec.redrive && !this.queues.has(spec.redrive.deadLetterQueue)) {
        throw new Error(`Queue ${spec.name} redrives to unknown queue ${spec.redrive.deadLetterQueue}`);
      }
    }
    this.moveTasks = new MessageMoveTasks(this, this.now);
  }

  queueNames(): string[] {
    return [...this.queues.keys()];
  }

  spec(queueName: string): QueueSpec {
    return this.queue(queueName).spec;
  }

  /** When the broker started: the queues' `CreatedTimestamp` and `LastModifiedTimestamp`. */
  get createdTimestamp(): number {
    return this.createdAt;
  }

  queueNameOfArn(arn: string): string | undefined {
    return [...this.queues.values()].find((queue) => queue.spec.arn === arn)?.spec.name;
  }

  /** The queues whose redrive policy names this one. */
  deadLetterSources(queueName: string): string[] {
    this.queue(queueName);
    return [...this.queues.values()]
      .filter((queue) => queue.spec.redrive?.deadLetterQueue === queueName)
      .map((queue) => queue.spec.name);
  }

  isDeadLetterQueue(queueName: string): boolean {
    return this.deadLetterSources(queueName).length > 0;
  }

  send(
    queueName: string,
    body: string,
    attributes: Readonly<Record<string, StringAttribute>> = {},
    delaySeconds?: number,
  ) {
    if (body.length === 0) throw new Error("MessageBody must not be empty");
    const { spec, messages } = this.queue(queueName);
    // A standard queue's hosts do not all see a new message at once: under chaos, it surfaces a little later.
    const delayMs =
      (delaySeconds ?? spec.delaySeconds ?? 0) * 1000 * this.timeScale +
      (this.chaos.rates.reorder ? this.chaos.delay(200) : 0);
    const now = this.now();
    const message: StoredMessage = {
      messageId: randomUUID(),
      body,
      attributes,
      md5OfBody: md5OfBody(body),
      sentTimestamp: now,
      receiveCount: 0,
      visibleAt: delayMs > 0 ? now + delayMs : 0,
    };
    messages.push(message);
    this.counters.sent += 1;
    this.sentTo.set(queueName, (this.sentTo.get(queueName) ?? 0) + 1);
    // CloudWatch's NumberOfMessagesSent: what was sent, not what a redrive moved (that emits "dead-letter").
    this.emit("sent", queueName);
    if (delayMs > 0) this.wakeWhenVisible(queueName, delayMs);
    else this.emit("visible", queueName);
    return {
      messageId: message.messageId,
      md5OfBody: message.md5OfBody,
      md5OfAttributes: Object.keys(attributes).length > 0 ? md5OfAttributes(attributes) : undefined,
    };
  }

  /**
   * Up to `max` visible messages, now invisible for the visibility timeout (the queue's unless the receive sets
   * one), each with a new receipt handle.
   */
  receive(queueName: string, max: number, visibilityTimeoutSeconds?: number): StoredMessage[] {
    const { spec } = this.queue(queueName);
    const messages = this.liveMessages(queueName);
    const now = this.now();
    const invisibleForMs =
      (visibilityTimeoutSeconds ?? spec.visibilityTimeoutSeconds) * 1000 * this.timeScale;
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
      message.receiptHandle = receiptHandleOf(queueName, message.messageId);
      message.receivedAt = now;
      message.visibleAt = now + invisibleForMs;
      received.push(message);
    }
    if (received.length > 0) this.wakeWhenVisible(queueName, invisibleForMs);
    return received;
  }

  /**
   * Deletes a received message. A handle of this queue that is no longer the message's latest (it was received
   * again since, or is gone) deletes nothing and is no error, as in SQS; a handle that is not of this queue is.
   * Under chaos a deleted message may come back once more, the same message id and body: at-least-once delivery.
   */
  delete(queueName: string, receiptHandle: string): boolean {
    this.requireReceiptHandle(queueName, receiptHandle);
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
      const delayMs = this.chaos.delay(2_000);
      messages.push({
        ...deleted,
        duplicated: true,
        receiptHandle: undefined,
        receivedAt: undefined,
        visibleAt: this.now() + delayMs,
      });
      this.wakeWhenVisible(queueName, delayMs);
    }
    return true;
  }

  /** Makes a message in flight visible again after `seconds` (0: now), as `ChangeMessageVisibility` does. */
  changeVisibility(queueName: string, receiptHandle: string, seconds: number): void {
    const messageId = this.requireReceiptHandle(queueName, receiptHandle);
    const message = this.liveMessages(queueName).find((candidate) => candidate.messageId === messageId);
    if (!message || message.receiptHandle !== receiptHandle)
      throw invalidParameter(
        "ReceiptHandle",
        receiptHandle,
        "Message does not exist or is not available for visibility timeout change.",
      );
    const now = this.now();
    if (message.visibleAt <= now)
      throw new SqsError("MessageNotInflight", "The specified message isn't in flight.");
    const inFlightSeconds = (now - (message.receivedAt ?? now)) / (1000 * this.timeScale);
    if (inFlightSeconds + seconds > MAX_VISIBILITY_SECONDS)
      throw invalidParameter(
        "VisibilityTimeout",
        seconds,
        `Total VisibilityTimeout for the message is beyond the limit [${MAX_VISIBILITY_SECONDS} seconds]`,
      );
    const delayMs = seconds * 1000 * this.timeScale;
    message.visibleAt = now + delayMs;
    if (delayMs > 0) this.wakeWhenVisible(queueName, delayMs);
    else this.emit("visible", queueName);
  }

  /** Deletes every message of a queue, at most once a minute, as `PurgeQueue` does. */
  purge(queueName: string): number {
    const queue = this.queue(queueName);
    const now = this.now();
    if (queue.purgedAt !== undefined && now - queue.purgedAt < PURGE_INTERVAL_MS)
      throw new SqsError(
        "PurgeQueueInProgress",
        `Only one PurgeQueue operation on ${queueName} is allowed every 60 seconds.`,
      );
    queue.purgedAt = now;
    const purged = queue.messages.splice(0, queue.messages.length).length;
    this.counters.purged += purged;
    return purged;
  }

  /** Every message of a queue, visible or not (for the DLQ listing). */
  peek(queueName: string): readonly StoredMessage[] {
    return this.liveMessages(queueName);
  }

  counts(queueName: string): QueueCounts {
    const now = this.now();
    let visible = 0;
    let inFlight = 0;
    let delayed = 0;
    for (const message of this.liveMessages(queueName)) {
      if (message.visibleAt <= now) visible += 1;
      else if (message.receiveCount > 0) inFlight += 1;
      else delayed += 1;
    }
    return { visible, inFlight, delayed };
  }

  visibleCount(queueName: string): number {
    return this.counts(queueName).visible;
  }

  hasVisible(queueName: string): boolean {
    const now = this.now();
    return this.queue(queueName).messages.some((message) => message.visibleAt <= now);
  }

  oldestVisible(queueName: string): MovableMessage | undefined {
    const now = this.now();
    return this.liveMessages(queueName).find((message) => message.visibleAt <= now);
  }

  move(message: MovableMessage, from: string, to: string): void {
    const { messages } = this.queue(from);
    const index = messages.findIndex((candidate) => candidate.messageId === message.messageId);
    const [moving] = index < 0 ? [] : messages.splice(index, 1);
    if (!moving) throw new Error(`Message ${message.messageId} is not in ${from}`);
    this.send(to, moving.body, moving.attributes);
    this.counters.sent -= 1;
    this.sentTo.set(to, (this.sentTo.get(to) ?? 1) - 1);
    this.counters.redriven += 1;
  }

  /** Resolves once `queueName` may have a visible message, after `timeoutMs`, or when `signal` aborts. */
  waitForVisible(queueName: string, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.off("visible", listener);
        signal?.removeEventListener("abort", done);
        resolve();
      };
      const listener = (name: string) => {
        if (name === queueName) done();
      };
      const timer = setTimeout(done, Math.max(0, timeoutMs));
      this.on("visible", listener);
      signal?.addEventListener("abort", done);
      if (signal?.aborted) done();
    });
  }

  close(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.moveTasks.close();
    this.removeAllListeners();
  }

  /** The queue's messages, without those older than its retention period (SQS deletes them). */
  private liveMessages(queueName: string): StoredMessage[] {
    const queue = this.queue(queueName);
    const oldest = this.now() - (queue.spec.messageRetentionSeconds ?? DEFAULT_RETENTION_SECONDS) * 1000;
    if (queue.messages.some((message) => message.sentTimestamp <= oldest))
      queue.messages = queue.messages.filter((message) => message.sentTimestamp > oldest);
    return queue.messages;
  }

  /** The message id a receipt handle of this queue names, or SQS's refusal. */
  private requireReceiptHandle(queueName: string, receiptHandle: string): string {
    const decoded = Buffer.from(receiptHandle, "base64").toString("utf8");
    const [, queue, messageId] = /^[0-9a-f-]{36} (\S+) (\S+)$/.exec(decoded) ?? [];
    if (queue !== queueName || !messageId || Buffer.from(decoded).toString("base64") !== receiptHandle)
      throw new SqsError(
        "ReceiptHandleIsInvalid",
        `The input receipt handle "${receiptHandle}" is not a valid receipt handle.`,
      );
    return messageId;
  }

  private moveToDeadLetter(queueName: string, message: StoredMessage): void {
    const { spec, messages } = this.queue(queueName);
    const deadLetter = this.queue(spec.redrive?.deadLetterQueue ?? "");
    messages.splice(messages.indexOf(message), 1);
    message.sourceQueueArn = spec.arn;
    message.visibleAt = 0;
    message.receiptHandle = undefined;
    message.receivedAt = undefined;
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
    if (!queue) throw queueDoesNotExist();
    return queue;
  }
}

/** Opaque to clients, like SQS's, but naming its queue and message, so a foreign handle can be refused. */
function receiptHandleOf(queueName: string, messageId: string): string {
  return Buffer.from(`${randomUUID()} ${queueName} ${messageId}`).toString("base64");
}
