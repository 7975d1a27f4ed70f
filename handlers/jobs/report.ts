import { CloudWatchClient, GetMetricDataCommand, type MetricDataQuery } from "@aws-sdk/client-cloudwatch";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { OPERATION_CATALOGUE, OPERATIONS, type Operation } from "../catalogue.ts";
import { JOBS_ENV, requireEnv } from "../lib/environment.ts";
import {
  OUTCOME_KINDS,
  OUTCOME_METRIC,
  type OutcomeKind,
  outcomeDimensions,
} from "../lib/outcome-metrics.ts";
import { SDK_CLIENT_DEFAULTS } from "../lib/sdk-defaults.ts";
import { REPORTS_PREFIX } from "./contract.ts";
import { type ReportStore, reportStore } from "./report-store.ts";
import { scheduledJob } from "./scheduled-job.ts";

const WEEK_SECONDS = 7 * 24 * 60 * 60;
const HOUR_MS = 3_600_000;

const cloudWatch = new CloudWatchClient({ ...SDK_CLIENT_DEFAULTS });
const sns = new SNSClient({ ...SDK_CLIENT_DEFAULTS });

/** The week a report covers: the seven days before its occurrence, on whole hours (CloudWatch's hourly data). */
export function reportWeek(scheduledTime: Date): { start: Date; end: Date } {
  const end = new Date(Math.floor(scheduledTime.getTime() / HOUR_MS) * HOUR_MS);
  return { start: new Date(end.getTime() - WEEK_SECONDS * 1000), end };
}

export interface DeadLetterQueueRef {
  /** What the report calls it. */
  readonly name: string;
  readonly queueName: string;
}

/** `name=queue,name=queue` as the stack sets it. */
export function parseDeadLetterQueues(value: string): DeadLetterQueueRef[] {
  return value
    .split(",")
    .filter(Boolean)
    .map((pair) => {
      const [name = "", queueName = ""] = pair.split("=");
      if (!name || !queueName) throw new Error(`${JOBS_ENV.deadLetterQueues}: "${pair}" is not name=queue`);
      return { name, queueName };
    });
}

/**
 * One GetMetricData query per operation and outcome (the command consumers' counts) and two per dead-letter queue:
 * NumberOfMessagesSent counts what a service sent there (Scheduler, EventBridge, a Lambda destination), and the
 * week's largest ApproximateNumberOfMessagesVisible shows what SQS moved there by redrive, which it does not count
 * as sent. One period spanning the week: one number per query.
 */
export function reportQueries(
  namespace: string,
  deadLetterQueues: readonly DeadLetterQueueRef[],
): MetricDataQuery[] {
  const outcomes = OPERATIONS.flatMap((operation) =>
    OUTCOME_KINDS.map(
      (outcome, index): MetricDataQuery => ({
        Id: `o_${operation}_${index}`,
        Label: `${operation} ${outcome}`,
        MetricStat: {
          Metric: {
            Namespace: namespace,
            MetricName: OUTCOME_METRIC,
            Dimensions: Object.entries({
              service: OPERATION_CATALOGUE[operation].handler,
              ...outcomeDimensions(operation, outcome),
            }).map(([Name, Value]) => ({ Name, Value })),
          },
          Period: WEEK_SECONDS,
          Stat: "Sum",
        },
      }),
    ),
  );
  const queues = deadLetterQueues.flatMap((queue, index): MetricDataQuery[] =>
    (
      [
        ["sent", "NumberOfMessagesSent", "Sum"],
        ["visible", "ApproximateNumberOfMessagesVisible", "Maximum"],
      ] as const
    ).map(([kind, metricName, stat]) => ({
      Id: `q${index}_${kind}`,
      Label: `${queue.name} ${kind}`,
      MetricStat: {
        Metric: {
          Namespace: "AWS/SQS",
          MetricName: metricName,
          Dimensions: [{ Name: "QueueName", Value: queue.queueName }],
        },
        Period: WEEK_SECONDS,
        Stat: stat,
      },
    })),
  );
  return [...outcomes, ...queues];
}

export interface WeeklyReport {
  readonly environment: string;
  readonly week: { readonly start: string; readonly end: string };
  /** Commands answered `success`, per kind of change (a repeated delete of a deleted item counts again). */
  readonly items: { readonly created: number; readonly updated: number; readonly deleted: number };
  readonly outcomes: ReadonlyArray<{ operation: Operation; outcome: OutcomeKind; count: number }>;
  readonly deadLetters: ReadonlyArray<{ queue: string; sent: number; mostVisible: number }>;
}

/** The report from GetMetricData's answers: a query without data points counts 0 (an empty week is a report too). */
export function buildReport(
  environment: string,
  week: { start: Date; end: Date },
  deadLetterQueues: readonly DeadLetterQueueRef[],
  values: ReadonlyMap<string, number>,
): WeeklyReport {
  const figure = (id: string) => values.get(id) ?? 0;
  const outcomes = OPERATIONS.flatMap((operation) =>
    OUTCOME_KINDS.map((outcome, index) => ({
      operation,
      outcome,
      count: figure(`o_${operation}_${index}`),
    })),
  );
  const succeeded = (operation: Operation) =>
    outcomes.find((row) => row.operation === operation && row.outcome === "success")?.count ?? 0;
  return {
    environment,
    week: { start: week.start.toISOString(), end: week.end.toISOString() },
    items: { created: succeeded("create"), updated: succeeded("update"), deleted: succeeded("delete") },
    outcomes,
    deadLetters: deadLetterQueues.map((queue, index) => ({
      queue: queue.name,
      sent: figure(`q${index}_sent`),
      mostVisible: figure(`q${index}_visible`),
    })),
  };
}

/** The same figures as CSV, one row per figure, for a spreadsheet. */
export function reportCsv(report: WeeklyReport): string {
  const rows = [
    ["section", "name", "detail", "value"],
    ...Object.entries(report.items).map(([change, count]) => ["items", change, "", String(count)]),
    ...report.outcomes.map((row) => ["outcomes", row.operation, row.outcome, String(row.count)]),
    ...report.deadLetters.flatMap((row) => [
      ["dead-letters", row.queue, "sent", String(row.sent)],
      ["dead-letters", row.queue, "most-visible", String(row.mostVisible)],
    ]),
  ];
  // Names come from the catalogue and the stack, never from users, so no field needs quoting.
  return `${rows.map((row) => row.join(",")).join("\r\n")}\r\n`;
}

/** Every value of every query, following GetMetricData's pages. */
async function metricValues(queries: MetricDataQuery[], week: { start: Date; end: Date }) {
  const values = new Map<string, number>();
  let nextToken: string | undefined;
  do {
    const page = await cloudWatch.send(
      new GetMetricDataCommand({
        MetricDataQueries: queries,
        StartTime: week.start,
        EndTime: week.end,
        NextToken: nextToken,
      }),
    );
    for (const result of page.MetricDataResults ?? []) {
      if (result.StatusCode === "Forbidden" || result.StatusCode === "InternalError")
        throw new Error(
          `GetMetricData answered ${result.StatusCode} for ${result.Label}: ${JSON.stringify(result.Messages)}`,
        );
      const sum = (result.Values ?? []).reduce((total, value) => total + value, 0);
      values.set(String(result.Id), (values.get(String(result.Id)) ?? 0) + sum);
    }
    nextToken = page.NextToken;
  } while (nextToken);
  return values;
}

/**
 * Writes the week's report as JSON and CSV (the keys name the environment and the week's end, so a second run of
 * the week writes the same objects) and announces it on the report topic.
 */
export async function runWeeklyReport(scheduledTime: Date, store: ReportStore = reportStore()) {
  const environment = requireEnv(JOBS_ENV.environmentName);
  const namespace = process.env.POWERTOOLS_METRICS_NAMESPACE ?? "";
  if (!namespace) throw new Error("POWERTOOLS_METRICS_NAMESPACE is not set; the report reads that namespace");
  const deadLetterQueues = parseDeadLetterQueues(requireEnv(JOBS_ENV.deadLetterQueues));
  const week = reportWeek(scheduledTime);
  const values = await metricValues(reportQueries(namespace, deadLetterQueues), week);
  const report = buildReport(environment, week, deadLetterQueues, values);
  const base = `${REPORTS_PREFIX}${environment}/${report.week.end.replaceAll(":", "-")}`;
  const json = await store.put(`${base}.json`, JSON.stringify(report, null, 2), "application/json");
  const csv = await store.put(`${base}.csv`, reportCsv(report), "text/csv");
  const message = await sns.send(
    new PublishCommand({
      TopicArn: requireEnv(JOBS_ENV.reportTopicArn),
      Subject: `Weekly report of ${environment}, week to ${report.week.end.slice(0, 10)}`.slice(0, 100),
      Message: JSON.stringify({ environment, week: report.week, items: report.items, json, csv }),
    }),
  );
  return { week: report.week, items: report.items, json, csv, messageId: message.MessageId };
}

export const handler = scheduledJob("report", (window) => runWeeklyReport(window.scheduledTime));
