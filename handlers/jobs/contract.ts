import { z } from "zod";

/** The service's scheduled jobs, in the order the stack declares their schedules. A leaf module. */
export const JOB_NAMES = ["cleanup", "report", "canary"] as const;
export type JobName = (typeof JOB_NAMES)[number];

/** The function that carries a job out. */
export const jobHandlerName = <Job extends JobName>(job: Job) => `job-${job}` as const;

/**
 * What a schedule sends its job: the job and the occurrence's scheduled time, filled in by Scheduler from its
 * context attributes. A retry or a duplicate delivery of one occurrence carries the same scheduled time, so it is
 * the run's window (the ledger's key); the attempt number is for the log.
 */
export const SCHEDULE_INPUT = {
  job: "<job>",
  scheduledTime: "<aws.scheduler.scheduled-time>",
  executionId: "<aws.scheduler.execution-id>",
  attemptNumber: "<aws.scheduler.attempt-number>",
} as const;

/** The input template of one job's schedule, as the stack writes it into the schedule's target. */
export function scheduleInput(job: JobName): string {
  return JSON.stringify({ ...SCHEDULE_INPUT, job });
}

export const jobInvocationSchema = z.object({
  job: z.enum(JOB_NAMES),
  scheduledTime: z.iso.datetime({ offset: true }),
  executionId: z.string().optional(),
  attemptNumber: z.union([z.string(), z.number()]).optional(),
});
export type JobInvocation = z.infer<typeof jobInvocationSchema>;

/** Where the report job writes in the reports bucket: `reports/<env>/<week end>.<format>`; the lifecycle expires it. */
export const REPORTS_PREFIX = "reports/";

/** The files each weekly report is written as, one object per format. */
export const REPORT_FORMATS = ["json", "csv"] as const;
