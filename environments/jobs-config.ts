import { JOB_NAMES } from "../handlers/jobs/contract.ts";
import type { ConfigChecks } from "./domain-events-config.ts";

export { JOB_NAMES, type JobName } from "../handlers/jobs/contract.ts";

/** When one job runs: an EventBridge Scheduler expression evaluated in an IANA time zone. */
export interface JobSchedule {
  /** `rate(5 minutes)`, `cron(0 3 * * ? *)` (six fields, Scheduler's cron) or a one-time `at(2027-01-01T00:00:00)`. */
  readonly expression: string;
  /** IANA time zone the expression is read in, e.g. `Europe/London`: a daily 03:00 stays 03:00 across DST. */
  readonly timeZone: string;
  /** A disabled schedule is deployed but never fires (`npm run local -- run-job` still runs the job). */
  readonly enabled: boolean;
}

/**
 * How Scheduler retries an invocation that failed (a throttled or failed Lambda invoke) before it sends the event
 * to the schedule group's dead-letter queue.
 */
export interface ScheduleRetry {
  /** 0 to 185. */
  readonly maximumRetryAttempts: number;
  /** 60 to 86400: an occurrence older than this is not retried any more. */
  readonly maximumEventAgeSeconds: number;
}

/** The scheduled jobs of an environment. */
export interface JobSettings {
  /** Daily: forgets WebSocket connections `@connections` answers 410 for. */
  readonly cleanup: JobSchedule;
  /** Weekly: the week's item changes, outcomes and dead-letter arrivals, as JSON and CSV, announced on a topic. */
  readonly report: JobSchedule;
  /** A synthetic client through the public API and the WebSocket; needs `identity.machineClient`. */
  readonly canary: JobSchedule & {
    /** How long it waits for each outcome on the WebSocket before it counts the run as failed. */
    readonly outcomeTimeoutSeconds: number;
  };
  readonly retry: ScheduleRetry;
  /** Timeout of the job functions (the request path's functions keep `lambda.timeoutSeconds`). */
  readonly timeoutSeconds: number;
  /** Days a report object is kept in the reports bucket before its lifecycle rule expires it. */
  readonly reportRetentionDays: number;
}

const RATE = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/;
const CRON = /^cron\((\S+ ){5}\S+\)$/;
const AT = /^at\(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\)$/;

/** Why EventBridge Scheduler would refuse an expression, or undefined when it takes it. */
export function scheduleExpressionProblem(expression: string): string | undefined {
  const rate = RATE.exec(expression);
  if (rate) {
    const value = Number(rate[1]);
    const unit = rate[2] as string;
    if (value < 1) return "a rate must be at least 1";
    // Scheduler takes "1 minute" and "5 minutes", not "1 minutes" or "5 minute".
    if ((value === 1) === unit.endsWith("s"))
      return `write "${value} ${value === 1 ? unit.replace(/s$/, "") : `${unit}s`}"`;
    return undefined;
  }
  if (CRON.test(expression)) {
    const fields = expression.slice(5, -1).split(" ");
    const [dayOfMonth, dayOfWeek] = [fields[2], fields[4]];
    // Scheduler's cron (as EventBridge's) wants exactly one of day-of-month and day-of-week to be "?".
    if ((dayOfMonth === "?") === (dayOfWeek === "?"))
      return 'a cron expression needs "?" in exactly one of day-of-month (3rd field) and day-of-week (5th field)';
    return undefined;
  }
  if (AT.test(expression))
    return Number.isNaN(Date.parse(`${expression.slice(3, -1)}Z`)) ? "not a date" : undefined;
  return 'must be "rate(<n> <minute|minutes|hour|hours|day|days>)", "cron(<6 fields>)" or "at(yyyy-mm-ddThh:mm:ss)"';
}

/** Whether `zone` is an IANA time zone this runtime (and so Scheduler, which uses the same database) knows. */
export function isTimeZone(zone: string): boolean {
  if (zone.length === 0) return false;
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** The shortest time between two runs of a rate expression, in seconds; undefined for cron and at. */
export function rateSeconds(expression: string): number | undefined {
  const rate = RATE.exec(expression);
  if (!rate) return undefined;
  const unit = (rate[2] as string).replace(/s$/, "");
  const seconds: Record<string, number> = { minute: 60, hour: 3600, day: 86400 };
  return Number(rate[1]) * (seconds[unit] ?? Number.NaN);
}

/**
 * Checks the job settings, each problem naming its field (`jobs.…`). `hasMachineClient`: the canary signs in with
 * the identity's machine client, so an enabled canary needs one.
 */
export function checkJobs(
  settings: JobSettings,
  { check, integerIn }: ConfigChecks,
  context: { hasMachineClient: boolean },
): void {
  for (const name of JOB_NAMES) {
    const schedule = settings[name];
    const problem = scheduleExpressionProblem(schedule.expression);
    check(problem === undefined, `jobs.${name}.expression: "${schedule.expression}" ${problem}`);
    check(
      isTimeZone(schedule.timeZone),
      `jobs.${name}.timeZone: "${schedule.timeZone}" is not an IANA time zone (e.g. "UTC", "Europe/London")`,
    );
  }
  integerIn("jobs.retry.maximumRetryAttempts", settings.retry.maximumRetryAttempts, 0, 185);
  integerIn("jobs.retry.maximumEventAgeSeconds", settings.retry.maximumEventAgeSeconds, 60, 86400);
  integerIn("jobs.timeoutSeconds", settings.timeoutSeconds, 1, 900);
  integerIn("jobs.reportRetentionDays", settings.reportRetentionDays, 1, 3650);
  const { canary } = settings;
  // Three outcomes (create, read, delete) are waited for in turn, and the run must end before Lambda stops it.
  integerIn("jobs.canary.outcomeTimeoutSeconds", canary.outcomeTimeoutSeconds, 1, 300);
  check(
    3 * canary.outcomeTimeoutSeconds < settings.timeoutSeconds,
    `jobs.canary.outcomeTimeoutSeconds: 3 waits of ${canary.outcomeTimeoutSeconds} s must end within jobs.timeoutSeconds (${settings.timeoutSeconds} s); lower it or raise the timeout`,
  );
  const every = rateSeconds(canary.expression);
  if (every !== undefined)
    check(
      every >= settings.timeoutSeconds,
      `jobs.canary.expression: runs every ${every} s, less than jobs.timeoutSeconds (${settings.timeoutSeconds} s); runs would overlap`,
    );
  if (canary.enabled)
    check(
      context.hasMachineClient,
      "jobs.canary.enabled: the canary signs in as identity.machineClient; add one or disable the canary",
    );
}
