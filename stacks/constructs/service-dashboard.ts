import { CloudwatchDashboard } from "@cdktf/provider-aws/lib/cloudwatch-dashboard";
import { Construct } from "constructs";

export interface ServiceDashboardProps {
  readonly dashboardName: string;
  readonly region: string;
  readonly queueNames: readonly string[];
  readonly deadLetterQueueName: string;
  readonly functionNames: readonly string[];
  readonly tableNames: readonly string[];
}

type MetricLine = [string, string, string, string];

const WIDTH = 12;
const HEIGHT = 6;

/**
 * One page per environment: queue depth and age, the DLQ, function invocations, errors, throttles and
 * duration, and table throttling. Built from physical names, so the body is plain, reviewable JSON.
 */
export class ServiceDashboard extends Construct {
  constructor(scope: Construct, id: string, props: ServiceDashboardProps) {
    super(scope, id);
    const lines = (namespace: string, metric: string, dimension: string, names: readonly string[]) =>
      names.map((name): MetricLine => [namespace, metric, dimension, name]);
    const panels: Array<{ title: string; stat: string; metrics: MetricLine[] }> = [
      {
        title: "Queue depth",
        stat: "Maximum",
        metrics: lines("AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", props.queueNames),
      },
      {
        title: "Age of oldest message (s)",
        stat: "Maximum",
        metrics: lines("AWS/SQS", "ApproximateAgeOfOldestMessage", "QueueName", props.queueNames),
      },
      {
        title: "Dead-letter queue",
        stat: "Maximum",
        metrics: lines("AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", [
          props.deadLetterQueueName,
        ]),
      },
      {
        title: "Invocations",
        stat: "Sum",
        metrics: lines("AWS/Lambda", "Invocations", "FunctionName", props.functionNames),
      },
      {
        title: "Errors",
        stat: "Sum",
        metrics: lines("AWS/Lambda", "Errors", "FunctionName", props.functionNames),
      },
      {
        title: "Throttles",
        stat: "Sum",
        metrics: lines("AWS/Lambda", "Throttles", "FunctionName", props.functionNames),
      },
      {
        title: "Duration p99 (ms)",
        stat: "p99",
        metrics: lines("AWS/Lambda", "Duration", "FunctionName", props.functionNames),
      },
      {
        title: "Table throttling",
        stat: "Sum",
        metrics: [
          ...lines("AWS/DynamoDB", "ReadThrottleEvents", "TableName", props.tableNames),
          ...lines("AWS/DynamoDB", "WriteThrottleEvents", "TableName", props.tableNames),
        ],
      },
    ];
    const widgets = panels.map((panel, index) => ({
      type: "metric",
      x: (index % 2) * WIDTH,
      y: Math.floor(index / 2) * HEIGHT,
      width: WIDTH,
      height: HEIGHT,
      properties: {
        title: panel.title,
        region: props.region,
        stat: panel.stat,
        period: 60,
        view: "timeSeries",
        metrics: panel.metrics,
      },
    }));
    new CloudwatchDashboard(this, "dashboard", {
      dashboardName: props.dashboardName,
      dashboardBody: JSON.stringify({ widgets }),
    });
  }
}
