import { CloudwatchEventArchive } from "@cdktf/provider-aws/lib/cloudwatch-event-archive";
import { CloudwatchEventBus } from "@cdktf/provider-aws/lib/cloudwatch-event-bus";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { TerraformOutput } from "cdktf";
import { Construct } from "constructs";
import type {
  StreamConsumerSettings,
  WebhookDestination as WebhookSettings,
} from "../../environments/environment-config.ts";
import { ALARM_PERIOD_SECONDS, STREAM_ITERATOR_AGE_ALARM_MS } from "../defaults.ts";
import type { BundledFunction } from "./bundled-function.ts";
import { EventAuditLog } from "./event-audit-log.ts";
import { EventDeadLetterQueue } from "./event-dead-letter-queue.ts";
import type { ServiceAlarms } from "./service-alarms.ts";
import { StreamSubscription } from "./stream-subscription.ts";
import { WebhookDestination } from "./webhook-destination.ts";

export interface DomainEventsProps {
  readonly namePrefix: string;
  /** `source` of the events the publisher puts on the bus; the archive, audit and webhook rules match it. */
  readonly source: string;
  readonly kmsKeyArn: string;
  readonly accountId: string;
  readonly region: string;
  /** The partition and its DNS suffix, for ARNs and service principals. */
  readonly partition: string;
  readonly dnsSuffix: string;
  /** Retention of the audit log group. */
  readonly logRetentionDays: number;
  readonly archiveRetentionDays: number;
  readonly webhooks: readonly WebhookSettings[];
}

export interface PublisherProps {
  /** The function that turns stream records into events on the bus. */
  readonly publisher: BundledFunction;
  readonly streamArn: string;
  readonly stream: StreamConsumerSettings;
  readonly alarms: ServiceAlarms;
}

/**
 * Domain events: the environment's custom bus (encrypted with its key, with a dead-letter queue for events the key
 * cannot serve), an archive of the service's events for replay, the queue where the stream consumer's failures go,
 * an audit rule writing every event to a log group, and one rule per webhook. `publishFrom` feeds the items
 * table's stream to the publisher and puts every dead-letter queue and the stream's age under alarm.
 */
export class DomainEvents extends Construct {
  readonly bus: CloudwatchEventBus;
  readonly archive: CloudwatchEventArchive;
  /** Records the publisher could not turn into events, and Lambda's descriptions of batches it gave up on. */
  readonly failureQueue: EventDeadLetterQueue;
  private readonly deadLetterQueues: EventDeadLetterQueue[];

  constructor(scope: Construct, id: string, props: DomainEventsProps) {
    super(scope, id);
    const { namePrefix: prefix, kmsKeyArn } = props;
    const eventsPrincipal = `events.${props.dnsSuffix}`;
    const busName = `${prefix}-item-events`;
    const busDeadLetter = new EventDeadLetterQueue(this, "bus-dead-letter", {
      queueName: `${busName}-bus-dlq`,
      kmsKeyArn,
      // Built, not referenced: the queue's policy is made before the bus that refers to the queue.
      sender: {
        servicePrincipal: eventsPrincipal,
        sourceArns: [`arn:${props.partition}:events:${props.region}:${props.accountId}:event-bus/${busName}`],
      },
    });
    this.bus = new CloudwatchEventBus(this, "bus", {
      name: busName,
      description: `Item changes of ${prefix}, published from the items table's stream`,
      kmsKeyIdentifier: kmsKeyArn,
      deadLetterConfig: { arn: busDeadLetter.queue.arn },
    });
    const ownEvents = { source: [props.source] };
    this.archive = new CloudwatchEventArchive(this, "archive", {
      // Archive names take at most 48 characters, two fewer than the bus's longest.
      name: `${prefix}-events`,
      description: "Every item event, for replay",
      eventSourceArn: this.bus.arn,
      eventPattern: JSON.stringify(ownEvents),
      retentionDays: props.archiveRetentionDays,
    });
    this.failureQueue = new EventDeadLetterQueue(this, "publisher-failures", {
      queueName: `${busName}-failures`,
      kmsKeyArn,
    });
    const audit = new EventAuditLog(this, "audit", {
      name: `${prefix}-item-events-audit`,
      logGroupName: `/aws/events/${busName}`,
      logRetentionDays: props.logRetentionDays,
      eventBusName: this.bus.name,
      eventPattern: ownEvents,
      kmsKeyArn,
      eventsPrincipal,
      logsDeliveryPrincipal: `delivery.logs.${props.dnsSuffix}`,
    });
    const webhooks = props.webhooks.map(
      (webhook) =>
        new WebhookDestination(this, `webhook-${webhook.name}`, {
          resourceName: `${prefix}-webhook-${webhook.name}`,
          endpoint: webhook.endpoint,
          httpMethod: webhook.httpMethod ?? "POST",
          rateLimitPerSecond: webhook.invocationRateLimitPerSecond,
          retry: webhook.retry,
          authorization: webhook.authorization,
          eventBusName: this.bus.name,
          eventPattern: { ...webhook.eventPattern, ...ownEvents },
          kmsKeyArn,
          eventsPrincipal,
          accountId: props.accountId,
        }),
    );
    this.deadLetterQueues = [
      busDeadLetter,
      this.failureQueue,
      audit.target.deadLetterQueue,
      ...webhooks.map((webhook) => webhook.target.deadLetterQueue),
    ];
    const output = (name: string, value: string) =>
      new TerraformOutput(this, name, { value }).overrideLogicalId(name);
    output("event_bus_name", this.bus.name);
    output("event_archive_arn", this.archive.arn);
    output("item_events_failure_queue_url", this.failureQueue.queue.url);
  }

  /** Feeds the stream to the publisher, and alarms on every dead-letter queue and on a stream falling behind. */
  publishFrom(props: PublisherProps): StreamSubscription {
    const subscription = new StreamSubscription(this, "stream", {
      streamArn: props.streamArn,
      function: props.publisher.alias,
      batchSize: props.stream.batchSize,
      maxBatchingWindowSeconds: props.stream.maxBatchingWindowSeconds,
      maxRetryAttempts: props.stream.maxRetryAttempts,
      maxRecordAgeSeconds: props.stream.maxRecordAgeSeconds,
      onFailure: this.failureQueue.queue,
    });
    for (const queue of this.deadLetterQueues)
      props.alarms.watchDeadLetterQueue(`${queue.queueName}-not-empty`, queue.queueName);
    new CloudwatchMetricAlarm(this, "stream-age", {
      alarmName: `${props.publisher.functionName}-iterator-age`,
      alarmDescription: `${props.publisher.functionName} is ${STREAM_ITERATOR_AGE_ALARM_MS / 60000} minutes behind the items table's changes`,
      namespace: "AWS/Lambda",
      metricName: "IteratorAge",
      dimensions: { FunctionName: props.publisher.functionName },
      statistic: "Maximum",
      period: ALARM_PERIOD_SECONDS,
      evaluationPeriods: 1,
      threshold: STREAM_ITERATOR_AGE_ALARM_MS,
      comparisonOperator: "GreaterThanThreshold",
      treatMissingData: "notBreaching",
      alarmActions: [props.alarms.topic.arn],
      okActions: [props.alarms.topic.arn],
    });
    return subscription;
  }
}
