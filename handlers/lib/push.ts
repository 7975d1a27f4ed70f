import type { Context } from "aws-lambda";
import { CONNECT_GRACE_MS } from "./connections.ts";
import type { Outcome } from "./contracts.ts";
import { logger } from "./powertools.ts";
import { sendFrame } from "./websocket-client.ts";

/** Pushes in flight at once: enough to fan out to a user's tabs, few enough not to trip `@connections` throttling. */
const PUSH_CONCURRENCY = 10;
/** Attempts per socket when `@connections` throttles or fails (429, 5xx, timeouts). */
const PUSH_ATTEMPTS = 3;
/** What each push leaves of the invocation's time, so the batch response still gets out. */
const TIME_RESERVE_MS = 2_000;
/** API Gateway's limit on a WebSocket frame posted to `@connections`. */
export const WEBSOCKET_FRAME_LIMIT_BYTES = 128 * 1024;

export interface PushTarget {
  readonly connectionId: string;
  readonly connectedAt: string;
}

export interface PushResults {
  sent: number;
  /** Connections API Gateway no longer has, and old enough that this is not a `$connect` in progress. */
  gone: string[];
  failed: number;
}

/**
 * The frame for an outcome: the outcome itself, or, where it would exceed what a WebSocket frame may carry, a
 * notice that it is ready, which the client fetches with `GET /requests/{requestId}` or the `status` action.
 */
export function frameFor(outcome: Outcome): unknown {
  if (Buffer.byteLength(JSON.stringify(outcome)) <= WEBSOCKET_FRAME_LIMIT_BYTES) return outcome;
  const { requestId, operation, status, completedAt } = outcome;
  return { type: "notification", requestId, operation, status, completedAt, tooLargeForFrame: true };
}

/**
 * Pushes one outcome to many sockets in parallel, each on its own: one slow, throttled or gone socket neither
 * delays nor fails the others, and a retried record would not reach the others twice.
 */
export async function pushAll(
  targets: readonly PushTarget[],
  outcome: Outcome,
  context: Pick<Context, "getRemainingTimeInMillis">,
  now = Date.now(),
): Promise<PushResults> {
  const frame = frameFor(outcome);
  const results: PushResults = { sent: 0, gone: [], failed: 0 };
  const queue = [...targets];
  const worker = async () => {
    for (let target = queue.shift(); target; target = queue.shift()) {
      const result = await pushOne(target, frame, context, now);
      if (result === "sent") results.sent += 1;
      else if (result === "gone") results.gone.push(target.connectionId);
      else results.failed += 1;
    }
  };
  await Promise.all(Array.from({ length: Math.min(PUSH_CONCURRENCY, targets.length) }, worker));
  return results;
}

async function pushOne(
  target: PushTarget,
  frame: unknown,
  context: Pick<Context, "getRemainingTimeInMillis">,
  now: number,
): Promise<"sent" | "gone" | "failed"> {
  for (let attempt = 1; attempt <= PUSH_ATTEMPTS; attempt += 1) {
    if (context.getRemainingTimeInMillis() < TIME_RESERVE_MS) break;
    try {
      const result = await sendFrame(target.connectionId, frame);
      if (result === "sent") return "sent";
      if (now - Date.parse(target.connectedAt) >= CONNECT_GRACE_MS) return "gone";
      // Still inside its $connect, most likely: the handshake completes in moments, so try again.
    } catch (error) {
      logger.warn("Push failed", { connectionId: target.connectionId, attempt, error });
    }
    if (attempt < PUSH_ATTEMPTS)
      await new Promise((resolve) => setTimeout(resolve, 100 * 3 ** (attempt - 1)));
  }
  return "failed";
}
