import type { TargetModel } from "../../synthesized/event-bus-model.ts";
import { type StringAttribute, stringAttributes } from "../sqs/md5.ts";

/** An event as EventBridge delivers it to targets. */
export interface BusEvent {
  readonly version: "0";
  readonly id: string;
  readonly "detail-type": string;
  readonly source: string;
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources: readonly string[];
  readonly detail: unknown;
  readonly "replay-name"?: string;
}

/** The outcome of one attempt: delivered, worth retrying, or not (with EventBridge's error code and why). */
export type AttemptResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly retryable: boolean; readonly code: string; readonly message: string };

export interface DeliveryContext {
  readonly ruleArn: string;
  readonly targetArn: string;
  /** Sends a message to a dead-letter queue (the local SQS broker). */
  readonly deadLetter: (queue: string, body: string, attributes: Record<string, StringAttribute>) => void;
  readonly log: (line: string) => void;
  /** Multiplies retry back-off, as the runner's --time-scale does for every wait. */
  readonly timeScale: number;
  readonly now?: () => number;
  readonly random?: () => number;
}

/** How often a delivery has been tried and when its event arrived, for the retry policy. */
interface Attempting {
  readonly event: BusEvent;
  readonly arrivedAt: number;
  attempts: number;
}

const FIRST_RETRY_MS = 1000;
const LONGEST_BACKOFF_MS = 60_000;

/**
 * Delivers events to one rule target as EventBridge does: at most `rateLimitPerSecond` attempts a second (the rest
 * wait their turn), retryable failures retried with exponential back-off and jitter until the retry policy's
 * attempts or event age run out, and whatever is not delivered sent to the target's dead-letter queue with
 * EventBridge's attributes (RULE_ARN, TARGET_ARN, ERROR_CODE, ERROR_MESSAGE, EXHAUSTED_RETRY_CONDITION,
 * RETRY_ATTEMPTS). Without a dead-letter queue, EventBridge drops it; so does this, saying so.
 */
export class TargetDelivery {
  private nextSlot = 0;
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;
  readonly counters = { attempts: 0, delivered: 0, retried: 0, deadLettered: 0, dropped: 0 };

  constructor(
    private readonly target: TargetModel,
    private readonly attempt: (event: BusEvent) => Promise<AttemptResult>,
    private readonly context: DeliveryContext,
    private readonly rateLimitPerSecond?: number,
  ) {}

  deliver(event: BusEvent): void {
    this.schedule({ event, arrivedAt: this.now(), attempts: 0 }, 0);
  }

  close(): void {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private now(): number {
    return (this.context.now ?? Date.now)();
  }

  private schedule(delivery: Attempting, delayMs: number): void {
    if (this.closed) return;
    let at = this.now() + delayMs;
    if (this.rateLimitPerSecond) {
      at = Math.max(at, this.nextSlot);
      this.nextSlot = at + 1000 / this.rateLimitPerSecond;
    }
    const timer = setTimeout(
      () => {
        this.timers.delete(timer);
        void this.run(delivery);
      },
      Math.max(0, at - this.now()),
    );
    timer.unref();
    this.timers.add(timer);
  }

  private async run(delivery: Attempting): Promise<void> {
    if (this.closed) return;
    delivery.attempts += 1;
    this.counters.attempts += 1;
    const result = await this.attempt(delivery.event).catch(
      (error: Error): AttemptResult => ({
        ok: false,
        retryable: true,
        code: "ERROR_FROM_TARGET",
        message: error.message,
      }),
    );
    if (result.ok) {
      this.counters.delivered += 1;
      return;
    }
    const retries = delivery.attempts - 1;
    const { maximumRetryAttempts, maximumEventAgeSeconds } = this.target.retry;
    if (!result.retryable) return this.giveUp(delivery, result, undefined);
    if (retries >= maximumRetryAttempts) return this.giveUp(delivery, result, "MaximumRetryAttempts");
    const backoff = this.backoff(retries + 1);
    if (this.now() + backoff - delivery.arrivedAt > maximumEventAgeSeconds * 1000)
      return this.giveUp(delivery, result, "MaximumEventAgeInSeconds");
    this.counters.retried += 1;
    this.schedule(delivery, backoff);
  }

  /** Full exponential back-off with jitter: 1 s, 2 s, 4 s ... up to a minute, scaled like every local wait. */
  private backoff(retry: number): number {
    const base = Math.min(FIRST_RETRY_MS * 2 ** (retry - 1), LONGEST_BACKOFF_MS);
    const jitter = 0.8 + 0.4 * (this.context.random ?? Math.random)();
    return base * jitter * this.context.timeScale;
  }

  private giveUp(
    delivery: Attempting,
    result: Extract<AttemptResult, { ok: false }>,
    exhausted: "MaximumRetryAttempts" | "MaximumEventAgeInSeconds" | undefined,
  ): void {
    const { ruleArn, targetArn } = this.context;
    const why = `${result.code}: ${result.message}`;
    if (!this.target.deadLetterQueue) {
      this.counters.dropped += 1;
      this.context.log(
        `events ${targetArn}: dropped event ${delivery.event.id} (${why}); the target has no DLQ`,
      );
      return;
    }
    this.context.deadLetter(
      this.target.deadLetterQueue,
      JSON.stringify(delivery.event),
      stringAttributes({
        RULE_ARN: ruleArn,
        TARGET_ARN: targetArn,
        ERROR_CODE: result.code,
        ERROR_MESSAGE: result.message,
        ...(exhausted ? { EXHAUSTED_RETRY_CONDITION: exhausted } : {}),
        RETRY_ATTEMPTS: String(delivery.attempts - 1),
      }),
    );
    this.counters.deadLettered += 1;
    this.context.log(
      `events ${targetArn}: event ${delivery.event.id} to ${this.target.deadLetterQueue} after ${delivery.attempts} attempt(s) (${why})`,
    );
  }
}

/** API destinations retry 401, 407, 409, 429 and 5xx, and nothing else; a name that does not resolve is never retried. */
export async function callApiDestination(
  request: { endpoint: string; method: string; headers: Record<string, string> },
  event: BusEvent,
  timeoutMs = 5000,
): Promise<AttemptResult> {
  let response: Response;
  try {
    response = await fetch(request.endpoint, {
      method: request.method,
      headers: {
        "content-type": "application/json; charset=utf-8",
        "user-agent": "Amazon/EventBridge/ApiDestinations",
        ...request.headers,
      },
      body: JSON.stringify(event),
      signal: AbortSignal.timeout(timeoutMs),
    });
    await response.arrayBuffer();
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const unresolvable = cause?.code === "ENOTFOUND" || cause?.code === "EAI_AGAIN";
    const timedOut = (error as Error).name === "TimeoutError";
    return {
      ok: false,
      retryable: !unresolvable,
      code: unresolvable ? "NO_RESOURCE" : "ERROR_FROM_TARGET",
      message: timedOut
        ? `${request.endpoint} did not answer within ${timeoutMs / 1000} s`
        : `${request.endpoint}: ${cause?.message ?? (error as Error).message}`,
    };
  }
  if (response.status >= 200 && response.status < 300) return { ok: true };
  const retryable = [401, 407, 409, 429].includes(response.status) || response.status >= 500;
  return {
    ok: false,
    retryable,
    code: "ERROR_FROM_TARGET",
    message: `${request.endpoint} answered ${response.status} ${response.statusText}`.trim(),
  };
}
