import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";
import { Construct } from "constructs";
import { ALARM_PERIOD_SECONDS } from "../defaults.ts";

export interface ServiceAlarmsProps {
  readonly namePrefix: string;
  readonly kmsKeyArn: string;
  /** @default no subscription */
  readonly email?: string;
}

interface AlarmSpec {
  readonly name: string;
  readonly description: string;
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Record<string, string>;
  readonly statistic: "Sum" | "Maximum";
  readonly threshold: number;
}

/** The alarm topic (KMS-encrypted, optional e-mail) and the alarms that notify it. */
export class ServiceAlarms extends Construct {
  readonly topic: SnsTopic;
  private readonly namePrefix: string;

  constructor(scope: Construct, id: string, props: ServiceAlarmsProps) {
    super(scope, id);
    this.namePrefix = props.namePrefix;
    this.topic = new SnsTopic(this, "topic", {
      name: `${props.namePrefix}-alarms`,
      kmsMasterKeyId: props.kmsKeyArn,
    });
    if (props.email) {
      new SnsTopicSubscription(this, "email", {
        topicArn: this.topic.arn,
        protocol: "email",
        endpoint: props.email,
      });
    }
  }

  /** Any message in the dead-letter queue needs a person: it failed every retry. */
  watchDeadLetterQueue(id: string, queueName: string): void {
    this.alarm(id, {
      name: `${queueName}-not-empty`,
      description: `Messages in ${queueName} failed every retry; see the DLQ runbook`,
      namespace: "AWS/SQS",
      metricName: "ApproximateNumberOfMessagesVisible",
      dimensions: { QueueName: queueName },
      statistic: "Maximum",
      threshold: 0,
    });
  }

  watchQueueAge(id: string, queueName: string, maxAgeSeconds: number): void {
    this.alarm(id, {
      name: `${queueName}-backlog-age`,
      description: `The oldest message in ${queueName} waited over ${maxAgeSeconds}s: consumers are falling behind`,
      namespace: "AWS/SQS",
      metricName: "ApproximateAgeOfOldestMessage",
      dimensions: { QueueName: queueName },
      statistic: "Maximum",
      threshold: maxAgeSeconds,
    });
  }

  watchFunction(id: string, functionName: string): void {
    for (const metricName of ["Errors", "Throttles"] as const) {
      this.alarm(`${id}-${metricName.toLowerCase()}`, {
        name: `${functionName}-${metricName.toLowerCase()}`,
        description: `${functionName} reported ${metricName.toLowerCase()}`,
        namespace: "AWS/Lambda",
        metricName,
        dimensions: { FunctionName: functionName },
        statistic: "Sum",
        threshold: 0,
      });
    }
  }

  /**
   * Records a function's own code counts as failed or unanswerable: with partial batch responses a failed record
   * never moves the function's `Errors`, so without this nothing would page.
   */
  watchRecordFailures(id: string, namespace: string, service: string, metricNames: readonly string[]): void {
    for (const metricName of metricNames) {
      this.alarm(`${id}-${metricName}`, {
        name: `${this.namePrefix}-${service}-${metricName}`,
        description: `${service} reported ${metricName} records: see its logs`,
        namespace,
        metricName,
        dimensions: { service },
        statistic: "Sum",
        threshold: 0,
      });
    }
  }

  /** Server errors and slow answers of a REST stage. */
  watchRestApi(id: string, apiName: string, stageName: string, p99LatencyMs: number): void {
    const dimensions = { ApiName: apiName, Stage: stageName };
    this.alarm(`${id}-5xx`, {
      name: `${apiName}-5xx`,
      description: `${apiName} answered with server errors`,
      namespace: "AWS/ApiGateway",
      metricName: "5XXError",
      dimensions,
      statistic: "Sum",
      threshold: 0,
    });
    new CloudwatchMetricAlarm(this, `${id}-latency`, {
      alarmName: `${apiName}-p99-latency`,
      alarmDescription: `The p99 latency of ${apiName} exceeded ${p99LatencyMs} ms`,
      namespace: "AWS/ApiGateway",
      metricName: "Latency",
      dimensions,
      extendedStatistic: "p99",
      period: ALARM_PERIOD_SECONDS,
      evaluationPeriods: 1,
      threshold: p99LatencyMs,
      comparisonOperator: "GreaterThanThreshold",
      treatMissingData: "notBreaching",
      alarmActions: [this.topic.arn],
      okActions: [this.topic.arn],
    });
  }

  /** Read and write throttling of one table, summed, since either stalls the service. */
  watchTable(id: string, tableName: string): void {
    const metric = (metricName: string) => ({
      namespace: "AWS/DynamoDB",
      metricName,
      dimensions: { TableName: tableName },
      period: ALARM_PERIOD_SECONDS,
      stat: "Sum",
    });
    new CloudwatchMetricAlarm(this, id, {
      alarmName: `${tableName}-throttled-requests`,
      alarmDescription: `Requests to ${tableName} were throttled`,
      comparisonOperator: "GreaterThanThreshold",
      evaluationPeriods: 1,
      threshold: 0,
      treatMissingData: "notBreaching",
      alarmActions: [this.topic.arn],
      okActions: [this.topic.arn],
      metricQuery: [
        { id: "reads", metric: metric("ReadThrottleEvents") },
        { id: "writes", metric: metric("WriteThrottleEvents") },
        { id: "throttled", expression: "reads + writes", label: "Throttled requests", returnData: true },
      ],
    });
  }

  private alarm(id: string, spec: AlarmSpec): void {
    new CloudwatchMetricAlarm(this, id, {
      alarmName: spec.name,
      alarmDescription: spec.description,
      namespace: spec.namespace,
      metricName: spec.metricName,
      dimensions: spec.dimensions,
      statistic: spec.statistic,
      period: ALARM_PERIOD_SECONDS,
      evaluationPeriods: 1,
      threshold: spec.threshold,
      comparisonOperator: "GreaterThanThreshold",
      treatMissingData: "notBreaching",
      alarmActions: [this.topic.arn],
      okActions: [this.topic.arn],
    });
  }
}
