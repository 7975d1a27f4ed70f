import { randomUUID } from "node:crypto";
import { isTimeZone } from "../../environments/jobs-config.ts";
import { findByReference, resourcesOf, type StackJson } from "../../synthesized/stack-json.ts";
import { type StringAttribute, stringAttributes } from "../sqs/md5.ts";

/** One schedule of the stack, as the runner fires it. */
export interface LocalSchedule {
  readonly name: string;
  readonly arn: string;
  readonly expression: string;
  readonly timeZone: string;
  readonly enabled: boolean;
  /** The function and alias the target names. */
  readonly functionName: string;
  readonly qualifier: string;
  readonly input: string;
  readonly retry: { readonly maximumRetryAttempts: number; readonly maximumEventAgeSeconds: number };
  /** Queue name of the target's dead-letter queue. */
  readonly deadLetterQueue?: string;
}

/** The stack's schedules: each target's alias resolved to its function, its dead-letter queue to a queue name. */
export function readSchedules(stack: StackJson, region: string, account: string): LocalSchedule[] {
  return resourcesOf(stack, "aws_scheduler_schedule").map((schedule) => {
    const values = schedule.values;
    const target = values.target as {
      arn: string;
      input?: string;
      retry_policy?: { maximum_retry_attempts?: number; maximum_event_age_in_seconds?: number };
      dead_letter_config?: { arn?: string };
    };
    const alias = findByReference(stack, target.arn);
    if (alias?.type !== "aws_lambda_alias")
      throw new Error(`Schedule ${String(values.name)}: its target is not a function alias of this stack`);
    const fn = findByReference(stack, alias.values.function_name);
    const group = findByReference(stack, values.group_name);
    const name = String(values.name);
    return {
      name,
      arn: `arn:aws:scheduler:${region}:${account}:schedule/${String(group?.values.name ?? "default")}/${name}`,
      expression: String(values.schedule_expression),
      timeZone: String(values.schedule_expression_timezone ?? "UTC"),
      enabled: values.state !== "DISABLED",
      functionName: String(fn?.values.function_name),
      qualifier: String(alias.values.name),
      input: String(target.input ?? "{}"),
      retry: {
        // Scheduler's defaults when a target states none.
        maximumRetryAttempts: target.retry_policy?.maximum_retry_attempts ?? 185,
        maximumEventAgeSeconds: target.retry_policy?.maximum_event_age_in_seconds ?? 86400,
      },
      deadLetterQueue: findByReference(stack, target.dead_letter_config?.arn)?.values.name as
        | string
        | undefined,
    };
  });
}

/** The target input for one attempt: Scheduler fills in its context attributes. */
export function targetInput(
  schedule: LocalSchedule,
  scheduledTime: Date,
  executionId: string,
  attempt: number,
) {
  return JSON.parse(
    schedule.input
      .replaceAll("<aws.scheduler.schedule-arn>", schedule.arn)
      .replaceAll("<aws.scheduler.scheduled-time>", scheduledTime.toISOString().replace(/\.\d{3}Z$/, "Z"))
      .replaceAll("<aws.scheduler.execution-id>", executionId)
      .replaceAll("<aws.scheduler.attempt-number>", String(attempt)),
  ) as unknown;
}

const FIELD_NAMES = ["minute", "hour", "dayOfMonth", "month", "dayOfWeek", "year"] as const;
const WEEKDAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];
const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];

/** Whether one cron field (`*`, `?`, `5`, `1-5`, `0/15`, `MON,WED`) takes `value`. */
function fieldMatches(field: string, value: number, names: readonly string[] = [], offset = 0): boolean {
  if (field === "*" || field === "?") return true;
  const number = (text: string) => {
    const index = names.indexOf(text.toUpperCase());
    return index >= 0 ? index + offset : Number(text);
  };
  return field.split(",").some((part) => {
    const [range = "", step] = part.split("/");
    const [from, to] = range === "*" ? [0, 9999] : range.split("-").map(number);
    const low = from ?? 0;
    const high = to ?? (step ? 9999 : low);
    return value >= low && value <= high && (value - low) % Number(step ?? 1) === 0;
  });
}

/** The wall-clock fields of `at` in `timeZone`. */
function wallClock(at: Date, timeZone: string) {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      weekday: "short",
    })
      .formatToParts(at)
      .map((part) => [part.type, part.value]),
  );
  return {
    minute: Number(parts.minute),
    hour: Number(parts.hour),
    dayOfMonth: Number(parts.day),
    month: Number(parts.month),
    dayOfWeek: WEEKDAYS.indexOf(String(parts.weekday).toUpperCase()) + 1,
    year: Number(parts.year),
  };
}

/**
 * The next time after `after` the expression fires: `rate()` counts from `after`; `cron()` is read in the time
 * zone, minute by minute over the next 370 days (so a daily 03:00 in Europe/London stays 03:00 across DST).
 */
export function nextFireTime(expression: string, timeZone: string, after: Date): Date | undefined {
  const rate = /^rate\((\d+) (minute|hour|day)s?\)$/.exec(expression);
  if (rate) {
    const unit = { minute: 60_000, hour: 3_600_000, day: 86_400_000 }[rate[2] as "minute" | "hour" | "day"];
    return new Date(after.getTime() + Number(rate[1]) * unit);
  }
  const at = /^at\((.+)\)$/.exec(expression);
  if (at) {
    const when = new Date(`${at[1]}Z`);
    return when > after ? when : undefined;
  }
  const cron = /^cron\((.+)\)$/.exec(expression);
  if (!cron || !isTimeZone(timeZone)) return undefined;
  const fields = Object.fromEntries(
    (cron[1] as string).split(" ").map((field, index) => [FIELD_NAMES[index], field]),
  ) as Record<(typeof FIELD_NAMES)[number], string>;
  const start = Math.floor(after.getTime() / 60_000 + 1) * 60_000;
  for (let minute = 0; minute < 370 * 24 * 60; minute += 1) {
    const candidate = new Date(start + minute * 60_000);
    const clock = wallClock(candidate, timeZone);
    if (
      fieldMatches(fields.minute, clock.minute) &&
      fieldMatches(fields.hour, clock.hour) &&
      fieldMatches(fields.dayOfMonth, clock.dayOfMonth) &&
      fieldMatches(fields.month, clock.month, MONTHS, 1) &&
      fieldMatches(fields.dayOfWeek, clock.dayOfWeek, WEEKDAYS, 1) &&
      fieldMatches(fields.year, clock.year)
    )
      return candidate;
  }
  return undefined;
}

export interface SchedulerPeers {
  invoke(functionName: string, event: unknown, qualifier: string): Promise<unknown>;
  /** Sends to a queue, as Scheduler sends an undeliverable occurrence to the target's dead-letter queue. */
  sendToQueue(queueName: string, body: string, attributes: Record<string, StringAttribute>): void;
  log(line: string): void;
}

/** What became of one occurrence. */
export type Delivery =
  | { readonly outcome: "delivered"; readonly attempts: number; readonly result: unknown }
  | { readonly outcome: "dead-lettered" | "dropped"; readonly attempts: number; readonly error: string };

/**
 * EventBridge Scheduler for the runner: fires enabled schedules at their times (`--schedules`) and delivers each
 * occurrence as Scheduler does, retrying a failed invocation with growing, jittered delays until the retry policy's
 * attempts or event age run out, then sending the input to the dead-letter queue with Scheduler's error attributes
 * (or dropping it, without one).
 */
export class LocalScheduler {
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    readonly schedules: readonly LocalSchedule[],
    private readonly peers: SchedulerPeers,
    private readonly options: { retryBaseMs?: number } = {},
  ) {}

  scheduleNamed(job: string): LocalSchedule | undefined {
    return this.schedules.find((schedule) => schedule.name.endsWith(`-${job}`));
  }

  /** Starts firing every enabled schedule at its next time, and after each firing at the one after. */
  start(now: () => Date = () => new Date()): void {
    for (const schedule of this.schedules.filter((candidate) => candidate.enabled)) {
      const arm = () => {
        const next = nextFireTime(schedule.expression, schedule.timeZone, now());
        if (!next) return;
        const timer = setTimeout(
          () => {
            this.timers.delete(timer);
            arm();
            this.deliver(schedule, next).catch((error: unknown) =>
              this.peers.log(
                `schedule ${schedule.name}: ${error instanceof Error ? error.message : String(error)}`,
              ),
            );
          },
          Math.max(0, next.getTime() - now().getTime()),
        );
        timer.unref();
        this.timers.add(timer);
      };
      arm();
    }
  }

  stop(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  /** Delivers one occurrence under the schedule's retry policy. */
  async deliver(schedule: LocalSchedule, scheduledTime: Date): Promise<Delivery> {
    const executionId = randomUUID();
    const firstAttemptAt = Date.now();
    const base = this.options.retryBaseMs ?? 1000;
    let lastError = "";
    let attempts = 0;
    let exhausted = "MaximumRetryAttempts";
    for (let attempt = 0; attempt <= schedule.retry.maximumRetryAttempts; attempt += 1) {
      if (attempt > 0) {
        const delay = Math.min(base * 2 ** (attempt - 1), Math.max(60_000, base)) * (0.5 + Math.random() / 2);
        if (Date.now() + delay - firstAttemptAt > schedule.retry.maximumEventAgeSeconds * 1000) {
          exhausted = "MaximumEventAgeInSeconds";
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
      attempts = attempt + 1;
      try {
        const result = await this.peers.invoke(
          schedule.functionName,
          targetInput(schedule, scheduledTime, executionId, attempt),
          schedule.qualifier,
        );
        this.peers.log(`schedule ${schedule.name}: delivered (attempt ${attempt + 1})`);
        return { outcome: "delivered", attempts: attempt + 1, result };
      } catch (error) {
        lastError = error instanceof Error ? error.message : String(error);
        this.peers.log(`schedule ${schedule.name}: attempt ${attempt + 1} failed: ${lastError}`);
      }
    }
    if (!schedule.deadLetterQueue) return { outcome: "dropped", attempts, error: lastError };
    this.peers.sendToQueue(
      schedule.deadLetterQueue,
      JSON.stringify(targetInput(schedule, scheduledTime, executionId, attempts - 1)),
      stringAttributes({
        ERROR_CODE: "AWS.Lambda.FunctionError",
        ERROR_MESSAGE: lastError.slice(0, 1000),
        EXHAUSTED_RETRY_CONDITION: exhausted,
        RETRY_ATTEMPTS: String(attempts - 1),
        SCHEDULE_ARN: schedule.arn,
        TARGET_ARN: `${schedule.functionName}:${schedule.qualifier}`,
      }),
    );
    this.peers.log(
      `schedule ${schedule.name}: sent to ${schedule.deadLetterQueue} after ${attempts} attempts`,
    );
    return { outcome: "dead-lettered", attempts, error: lastError };
  }
}
