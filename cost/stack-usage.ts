import {
  findByReference,
  findFunction,
  resourcesOf,
  type StackJson,
  type StackResource,
} from "../synthesized/stack-json.ts";
import type { CostContext, EstimateInput, MeasuredFunction } from "./types.ts";

// What several estimators read from a stack and its measurements.

export const MINUTE = 60;

/** `n` units of 64 KB (SQS) or 32 KB (WebSocket) a payload of `bytes` is billed as. */
export const chunks = (bytes: number, size: number) => Math.max(1, Math.ceil(bytes / size));

/** Short names (without the prefix) of every function in the stack, with their resources. */
export function functionsOf(context: EstimateInput): Array<{ name: string; fn: StackResource }> {
  return resourcesOf(context.stack, "aws_lambda_function").map((fn) => ({
    name: String(fn.values.function_name).slice(context.namePrefix.length + 1),
    fn,
  }));
}

export function isQueueConsumer(stack: StackJson, fn: StackResource): boolean {
  return resourcesOf(stack, "aws_lambda_event_source_mapping").some(
    (mapping) => findFunction(stack, mapping.values.function_name)?.fn.id === fn.id,
  );
}

export function provisionedConcurrencyOf(stack: StackJson, fn: StackResource): number {
  return resourcesOf(stack, "aws_lambda_provisioned_concurrency_config")
    .filter((config) => findByReference(stack, config.values.function_name)?.id === fn.id)
    .reduce((sum, config) => sum + Number(config.values.provisioned_concurrent_executions), 0);
}

/** Lambda gives a function one vCPU at 1,769 MB and a proportional share below. */
const FULL_VCPU_MB = 1769;

/**
 * How long an invocation measured on a full core of the benchmark machine lasts in Lambda: stretched by the
 * function's CPU share, plus the AWS calls' latency.
 */
export function lambdaMilliseconds(
  measuredMs: number,
  memoryMb: number,
  awsCalls: number,
  awsCallMs: number,
): number {
  return Math.ceil(measuredMs * Math.max(1, FULL_VCPU_MB / memoryMb) + awsCalls * awsCallMs);
}

export const awsCallsOf = (measured: MeasuredFunction) =>
  Object.values(measured.dynamodb).reduce((sum, usage) => sum + usage.calls, 0) +
  measured.sqsMessages +
  measured.websocketPosts;

export const architectureOf = (fn: StackResource) =>
  String((fn.values.architectures as string[] | undefined)?.[0] ?? "x86_64");
export const memoryGb = (fn: StackResource) => Number(fn.values.memory_size ?? 128) / 1024;

export const websocketRouteFunctions = (context: CostContext) =>
  resourcesOf(context.stack, "aws_apigatewayv2_integration").flatMap((integration) => {
    const target = findFunction(context.stack, integration.values.integration_uri);
    return target ? [String(target.fn.values.function_name).slice(context.namePrefix.length + 1)] : [];
  });

/** Average days in a month, as the rest of the model counts them. */
const DAYS_PER_MONTH = 30.4375;

/**
 * How often a schedule expression fires in an average month: `rate()` exactly; `cron()` as the product of its
 * minute, hour and day fields (each a list, range, step or `*`), days from day-of-month or day-of-week; `at()` never
 * again in a steady month.
 */
export function runsPerMonth(expression: string): number {
  const rate = /^rate\((\d+) (minute|hour|day)s?\)$/.exec(expression);
  if (rate) {
    const minutes =
      { minute: 1, hour: 60, day: 1440 }[rate[2] as "minute" | "hour" | "day"] * Number(rate[1]);
    return (DAYS_PER_MONTH * 1440) / minutes;
  }
  const cron = /^cron\((\S+) (\S+) (\S+) (\S+) (\S+) (\S+)\)$/.exec(expression);
  if (!cron) return 0;
  const [, minute, hour, dayOfMonth, , dayOfWeek] = cron as unknown as string[];
  const values = (field: string, size: number) =>
    field === "*" || field === "?"
      ? size
      : field.split(",").reduce((sum, part) => {
          const [range = "", step] = part.split("/");
          const [from, to] = range === "*" ? [0, size - 1] : range.split("-").map(Number);
          const span =
            to !== undefined && !Number.isNaN(to) ? to - (from ?? 0) + 1 : step ? size - (from ?? 0) : 1;
          return sum + Math.ceil(span / Number(step ?? 1));
        }, 0);
  const weekdays = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];
  const numbered = (field: string) =>
    field.replace(/[A-Z]{3}/gi, (name) => String(weekdays.indexOf(name.toUpperCase()) + 1));
  const days =
    dayOfWeek && dayOfWeek !== "?" && dayOfWeek !== "*"
      ? (values(numbered(dayOfWeek), 7) * DAYS_PER_MONTH) / 7
      : dayOfMonth === "*" || dayOfMonth === "?"
        ? DAYS_PER_MONTH
        : values(String(dayOfMonth), 31);
  return values(String(minute), 60) * values(String(hour), 24) * days;
}

/**
 * Invocations a month of a function its enabled schedules target (through its alias), or undefined when no
 * schedule targets it: such a function runs by the clock, whatever the traffic.
 */
export function scheduledRunsOf(stack: StackJson, fn: StackResource): number | undefined {
  const schedules = resourcesOf(stack, "aws_scheduler_schedule").filter((schedule) => {
    const alias = findByReference(stack, (schedule.values.target as { arn?: string } | undefined)?.arn);
    return alias !== undefined && findByReference(stack, alias.values.function_name)?.id === fn.id;
  });
  if (schedules.length === 0) return undefined;
  return schedules
    .filter((schedule) => schedule.values.state !== "DISABLED")
    .reduce((sum, schedule) => sum + runsPerMonth(String(schedule.values.schedule_expression)), 0);
}

/** Short names of the functions whose environment refers to a resource of `type` (a topic, a secret, a bucket). */
export function functionsReferring(context: EstimateInput, type: string): string[] {
  return functionsOf(context)
    .filter(({ fn }) => {
      const variables =
        (fn.values.environment as { variables?: Record<string, string> } | undefined)?.variables ?? {};
      return Object.values(variables).some((value) => String(value).includes(`\${${type}.`));
    })
    .map(({ name }) => name);
}
