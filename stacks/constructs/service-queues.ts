import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { SqsQueuePolicy } from "@cdktf/provider-aws/lib/sqs-queue-policy";
import { SqsQueueRedriveAllowPolicy } from "@cdktf/provider-aws/lib/sqs-queue-redrive-allow-policy";
import { Construct } from "constructs";
import { DEAD_LETTER_QUEUE_RETENTION_SECONDS } from "../../environments/environment-config.ts";
import { httpsOnlyQueuePolicy, SQS_DATA_KEY_REUSE_SECONDS } from "../defaults.ts";

export interface ServiceQueuesProps<Name extends string> {
  readonly namePrefix: string;
  /** One queue per name, e.g. one per operation family. */
  readonly queueNames: readonly Name[];
  readonly kmsKeyArn: string;
  readonly visibilityTimeoutSeconds: number;
  readonly messageRetentionSeconds: number;
  /** Receives after which a message moves to the dead-letter queue. */
  readonly maxReceiveCount: number;
}

/**
 * Work queues sharing one dead-letter queue. Every queue is KMS-encrypted and refuses plain HTTP;
 * the DLQ accepts redrives only from these queues.
 */
export class ServiceQueues<Name extends string> extends Construct {
  readonly queues: Readonly<Record<Name, SqsQueue>>;
  readonly deadLetterQueue: SqsQueue;
  /** Physical names chosen here, for alarms and dashboards: nothing else rebuilds them. */
  readonly queueNames: Readonly<Record<Name, string>>;
  readonly deadLetterQueueName: string;

  constructor(scope: Construct, id: string, props: ServiceQueuesProps<Name>) {
    super(scope, id);
    const encryption = {
      kmsMasterKeyId: props.kmsKeyArn,
      kmsDataKeyReusePeriodSeconds: SQS_DATA_KEY_REUSE_SECONDS,
    };

    this.deadLetterQueueName = `${props.namePrefix}-dlq`;
    this.deadLetterQueue = new SqsQueue(this, "dead-letter", {
      name: this.deadLetterQueueName,
      messageRetentionSeconds: DEAD_LETTER_QUEUE_RETENTION_SECONDS,
      ...encryption,
    });
    this.protect("dead-letter", this.deadLetterQueue);

    const queues = {} as Record<Name, SqsQueue>;
    const queueNames = {} as Record<Name, string>;
    for (const name of props.queueNames) {
      queueNames[name] = `${props.namePrefix}-${name}`;
      const queue = new SqsQueue(this, name, {
        name: queueNames[name],
        visibilityTimeoutSeconds: props.visibilityTimeoutSeconds,
        messageRetentionSeconds: props.messageRetentionSeconds,
        redrivePolicy: JSON.stringify({
          deadLetterTargetArn: this.deadLetterQueue.arn,
          maxReceiveCount: props.maxReceiveCount,
        }),
        ...encryption,
      });
      this.protect(name, queue);
      queues[name] = queue;
    }
    this.queues = queues;
    this.queueNames = queueNames;

    // A separate resource: inline, the DLQ would reference the queues that reference it.
    new SqsQueueRedriveAllowPolicy(this, "dead-letter-redrive-allow", {
      queueUrl: this.deadLetterQueue.url,
      redriveAllowPolicy: JSON.stringify({
        redrivePermission: "byQueue",
        sourceQueueArns: props.queueNames.map((name) => queues[name].arn),
      }),
    });
  }

  private protect(id: string, queue: SqsQueue): void {
    new SqsQueuePolicy(this, `${id}-policy`, {
      queueUrl: queue.url,
      policy: httpsOnlyQueuePolicy(queue.arn),
    });
  }
}
