import { MetricUnit } from "@aws-lambda-powertools/metrics";
import type { Context } from "aws-lambda";
import { describeIssues } from "../lib/contracts.ts";
import { logger, metrics } from "../lib/powertools.ts";
import { type JobName, jobInvocationSchema } from "./contract.ts";
import { claimRun, completeRun, releaseRun } from "./ledger.ts";

/** The occurrence a run works for: the schedule's time, which is also its ledger key. */
export interface JobWindow {
  readonly scheduledTime: Date;
  readonly key: string;
}

export type JobAnswer<Result> =
  | { readonly status: "done"; readonly window: string; readonly result: Result }
  | {
      readonly status: "skipped";
      readonly window: string;
      readonly reason: string;
      readonly result?: unknown;
    };

/** A claim outlives the invocation by this much, so a stopped run's window is free again soon after. */
const LEASE_MARGIN_SECONDS = 30;

/**
 * Wraps a job as a Lambda handler: checks the schedule's input, claims the occurrence's window in the ledger (a
 * duplicate delivery or a second run finds it done and does nothing), runs the work and records its result. A
 * failure gives the window back and fails the invocation, so Scheduler retries it under the schedule's retry
 * policy and finally sends it to the dead-letter queue.
 */
export function scheduledJob<Result>(
  job: JobName,
  work: (window: JobWindow, context: Context) => Promise<Result>,
): (event: unknown, context: Context) => Promise<JobAnswer<Result>> {
  return async (event, context) => {
    logger.addContext(context);
    try {
      const parsed = jobInvocationSchema.safeParse(event);
      if (!parsed.success)
        throw new Error(`The ${job} job's input is not a schedule's: ${describeIssues(parsed.error)}`);
      if (parsed.data.job !== job)
        throw new Error(`This function runs the ${job} job, but the schedule asked for ${parsed.data.job}`);
      const scheduledTime = new Date(parsed.data.scheduledTime);
      const window: JobWindow = { scheduledTime, key: scheduledTime.toISOString() };
      const leaseSeconds = Math.ceil(context.getRemainingTimeInMillis() / 1000) + LEASE_MARGIN_SECONDS;
      const claim = await claimRun(job, window.key, new Date(), leaseSeconds);
      if (claim.outcome !== "claimed") {
        const reason =
          claim.outcome === "done"
            ? "this window's work is done already"
            : `another run holds this window until ${claim.leaseUntil}`;
        logger.info("Job skipped", { job, window: window.key, reason, attempt: parsed.data.attemptNumber });
        metrics.addMetric("JobSkipped", MetricUnit.Count, 1);
        return {
          status: "skipped",
          window: window.key,
          reason,
          ...(claim.outcome === "done" ? { result: claim.result } : {}),
        };
      }
      try {
        const result = await work(window, context);
        await completeRun(job, window.key, claim.token, result);
        metrics.addMetric("JobSucceeded", MetricUnit.Count, 1);
        logger.info("Job done", { job, window: window.key, result });
        return { status: "done", window: window.key, result };
      } catch (error) {
        metrics.addMetric("JobFailed", MetricUnit.Count, 1);
        logger.error("Job failed; Scheduler retries it under the schedule's retry policy", {
          job,
          window: window.key,
          attempt: parsed.data.attemptNumber,
          error,
        });
        await releaseRun(job, window.key, claim.token).catch((release: unknown) =>
          logger.warn("Could not release the window; it frees itself when the lease ends", {
            error: release,
          }),
        );
        throw error;
      }
    } finally {
      metrics.publishStoredMetrics();
    }
  };
}
