import { randomUUID } from "node:crypto";
import { invalidParameter, SqsError } from "./errors.ts";

export type MoveTaskStatus = "RUNNING" | "COMPLETED" | "CANCELLING" | "CANCELLED" | "FAILED";

/** A task as `ListMessageMoveTasks` reports it (and `npm run local -- dlq redrive` prints it). */
export interface MoveTaskEntry {
  /** Only while the task runs, as in SQS: a finished task cannot be cancelled. */
  readonly TaskHandle?: string;
  readonly Status: MoveTaskStatus;
  readonly SourceArn: string;
  /** Only when the task was started with one. */
  readonly DestinationArn?: string;
  /** Only when the task was started with one. */
  readonly MaxNumberOfMessagesPerSecond?: number;
  readonly ApproximateNumberOfMessagesMoved: number;
  readonly ApproximateNumberOfMessagesToMove: number;
  /** Only when the task failed. */
  readonly FailureReason?: string;
  readonly StartedTimestamp: number;
}

/** What a task needs of a message: its identity, and the queue it failed in, if it came from one. */
export interface MovableMessage {
  readonly messageId: string;
  readonly sourceQueueArn?: string;
}

/** What a task needs of the queues (the broker): lookups and one atomic move. */
export interface MoveTaskQueues {
  queueNameOfArn(arn: string): string | undefined;
  isDeadLetterQueue(queueName: string): boolean;
  visibleCount(queueName: string): number;
  /** The oldest message of a queue that a receive could return now. */
  oldestVisible(queueName: string): MovableMessage | undefined;
  /** Takes the message out of `from` and sends it to `to` as a new message, with a new id. */
  move(message: MovableMessage, from: string, to: string): void;
}

export interface StartMoveTask {
  readonly sourceArn: string;
  readonly destinationArn?: string;
  readonly maxNumberOfMessagesPerSecond?: number;
}

interface Task {
  readonly id: string;
  readonly handle: string;
  readonly source: string;
  readonly request: StartMoveTask;
  readonly toMove: number;
  readonly startedAt: number;
  moved: number;
  status: MoveTaskStatus;
  failureReason?: string;
  timer?: NodeJS.Timeout;
  readonly settled: Promise<void>;
  settle(): void;
}

const MAX_RATE = 500;
/** SQS lists the most recent tasks of a source, up to this many. */
const LISTED_TASKS = 10;
/** Without a rate SQS picks one from the backlog; locally, this many messages per turn of the event loop. */
const UNPACED_BATCH = 100;

const ARN_FORMAT = /^arn:[^:]+:[^:]+:[^:]*:[^:]*:.+$/;

/**
 * SQS message move tasks (dead-letter queue redrive): `StartMessageMoveTask`, `ListMessageMoveTasks`,
 * `CancelMessageMoveTask`. A task moves the source's visible messages, oldest first, at its rate, each to the
 * destination or, without one, back to the queue it failed in, as a new message (new id, new retention); it
 * completes when none is visible. Messages in flight (someone is inspecting them) stay behind, as a receive would
 * leave them. One active task per source.
 */
export class MessageMoveTasks {
  private tasks: Task[] = [];

  constructor(
    private readonly queues: MoveTaskQueues,
    private readonly now: () => number,
  ) {}

  /** Starts a task and returns its handle, or refuses with SQS's error. */
  start(request: StartMoveTask): string {
    const rate = request.maxNumberOfMessagesPerSecond;
    if (rate !== undefined && !(Number.isInteger(rate) && rate >= 1 && rate <= MAX_RATE))
      throw invalidParameter("MaxNumberOfMessagesPerSecond", rate, `Must be between 1 and ${MAX_RATE}.`);
    const source = this.requireQueue(request.sourceArn, "SourceArn");
    if (!this.queues.isDeadLetterQueue(source))
      throw new SqsError("InvalidParameterValue", "Source queue must be configured as a Dead Letter Queue.");
    if (request.destinationArn !== undefined) this.requireQueue(request.destinationArn, "DestinationArn");
    if (this.tasks.some((task) => task.source === source && isActive(task.status)))
      throw new SqsError(
        "InvalidParameterValue",
        "There is already a task running. Only one active task is allowed for a source queue arn at a given time.",
      );
    const id = randomUUID();
    let settle = () => {};
    const settled = new Promise<void>((resolve) => {
      settle = resolve;
    });
    const task: Task = {
      id,
      handle: Buffer.from(JSON.stringify({ taskId: id, sourceArn: request.sourceArn })).toString("base64"),
      source,
      request,
      toMove: this.queues.visibleCount(source),
      startedAt: this.now(),
      moved: 0,
      status: "RUNNING",
      settled,
      settle,
    };
    const others = this.tasks.filter((other) => other.source === source);
    const forgotten = new Set(others.slice(0, Math.max(0, others.length - (LISTED_TASKS - 1))));
    this.tasks = [...this.tasks.filter((other) => !forgotten.has(other)), task];
    this.schedule(task, 0);
    return task.handle;
  }

  /** The most recent tasks of a source, newest first. */
  list(sourceArn: string, maxResults = 1): MoveTaskEntry[] {
    if (!(Number.isInteger(maxResults) && maxResults >= 1 && maxResults <= LISTED_TASKS))
      throw invalidParameter("MaxResults", maxResults, `Must be between 1 and ${LISTED_TASKS}, if provided.`);
    const source = this.requireQueue(sourceArn, "SourceArn");
    return this.tasks
      .filter((task) => task.source === source)
      .reverse()
      .slice(0, maxResults)
      .map(entryOf);
  }

  /** Stops a running task; what it moved stays moved. Returns how many it moved. */
  cancel(handle: string): number {
    const task = this.taskOf(handle);
    if (task.status !== "RUNNING")
      throw invalidParameter(
        "TaskHandle",
        handle,
        `Only a RUNNING task can be cancelled; this one is ${task.status}.`,
      );
    clearTimeout(task.timer);
    task.status = "CANCELLING";
    setImmediate(() => this.finish(task, "CANCELLED"));
    return task.moved;
  }

  /** The task's entry once it has completed, been cancelled or failed. */
  async settled(handle: string): Promise<MoveTaskEntry> {
    const task = this.taskOf(handle);
    await task.settled;
    return entryOf(task);
  }

  close(): void {
    for (const task of this.tasks) clearTimeout(task.timer);
  }

  private step(task: Task): void {
    if (task.status !== "RUNNING") return;
    const paced = task.request.maxNumberOfMessagesPerSecond;
    for (let index = 0; index < (paced ? 1 : UNPACED_BATCH); index += 1) {
      const message = this.queues.oldestVisible(task.source);
      if (!message) {
        this.finish(task, "COMPLETED");
        return;
      }
      const destinationArn = task.request.destinationArn ?? message.sourceQueueArn;
      const destination = destinationArn ? this.queues.queueNameOfArn(destinationArn) : undefined;
      // SQS reports the error code of the failed send; the message stays in the source.
      if (!destination) {
        this.finish(task, "FAILED", "AWS.SimpleQueueService.NonExistentQueue");
        return;
      }
      this.queues.move(message, task.source, destination);
      task.moved += 1;
    }
    this.schedule(task, paced ? 1000 / paced : 0);
  }

  private schedule(task: Task, delayMs: number): void {
    task.timer = setTimeout(() => this.step(task), delayMs);
    task.timer.unref();
  }

  private finish(task: Task, status: MoveTaskStatus, failureReason?: string): void {
    task.status = status;
    if (failureReason) task.failureReason = failureReason;
    task.settle();
  }

  private taskOf(handle: string): Task {
    const decoded = decodeHandle(handle);
    if (!decoded) throw new SqsError("InvalidParameterValue", "Value for parameter TaskHandle is invalid.");
    this.requireQueue(decoded.sourceArn, "SourceArn");
    const task = this.tasks.find((candidate) => candidate.id === decoded.taskId);
    if (!task) throw new SqsError("ResourceNotFoundException", "Task does not exist.");
    return task;
  }

  private requireQueue(arn: string, parameter: "SourceArn" | "DestinationArn"): string {
    if (!ARN_FORMAT.test(arn))
      throw new SqsError(
        "InvalidParameterValue",
        `You must use this format to specify the ${parameter}: arn:<partition>:<service>:<region>:<account-id>:<resource-id>`,
      );
    const name = this.queues.queueNameOfArn(arn);
    if (!name)
      throw new SqsError(
        "ResourceNotFoundException",
        `The resource that you specified for the ${parameter} parameter doesn't exist.`,
      );
    return name;
  }
}

function isActive(status: MoveTaskStatus): boolean {
  return status === "RUNNING" || status === "CANCELLING";
}

/** SQS's task handles are base64 JSON naming the task and its source. */
function decodeHandle(handle: string): { taskId: string; sourceArn: string } | undefined {
  try {
    const decoded = JSON.parse(Buffer.from(handle, "base64").toString("utf8")) as Record<string, unknown>;
    return typeof decoded.taskId === "string" && typeof decoded.sourceArn === "string"
      ? { taskId: decoded.taskId, sourceArn: decoded.sourceArn }
      : undefined;
  } catch {
    return undefined;
  }
}

function entryOf(task: Task): MoveTaskEntry {
  const { destinationArn, maxNumberOfMessagesPerSecond } = task.request;
  return {
    ...(task.status === "RUNNING" ? { TaskHandle: task.handle } : {}),
    Status: task.status,
    SourceArn: task.request.sourceArn,
    ...(destinationArn ? { DestinationArn: destinationArn } : {}),
    ...(maxNumberOfMessagesPerSecond ? { MaxNumberOfMessagesPerSecond: maxNumberOfMessagesPerSecond } : {}),
    ApproximateNumberOfMessagesMoved: task.moved,
    ApproximateNumberOfMessagesToMove: task.toMove,
    ...(task.failureReason ? { FailureReason: task.failureReason } : {}),
    StartedTimestamp: task.startedAt,
  };
}
