import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { SqsQueuePolicy } from "@cdktf/provider-aws/lib/sqs-queue-policy";
import { Construct } from "constructs";
import { DEAD_LETTER_QUEUE_RETENTION_SECONDS } from "../../environments/environment-config.ts";
import { denyInsecureTransport, SQS_DATA_KEY_REUSE_SECONDS } from "../defaults.ts";
import { type PolicyStatement, policyDocument } from "../iam.ts";

export interface EventDeadLetterQueueProps {
  readonly queueName: string;
  readonly kmsKeyArn: string;
  /**
   * An AWS service that sends to the queue itself, and the resources it may send for (EventBridge, for one rule or
   * bus). @default none: only principals of the account, through their own IAM policies (a Lambda destination)
   */
  readonly sender?: { readonly servicePrincipal: string; readonly sourceArns: readonly string[] };
}

/**
 * A queue where an event pipeline sets aside what it could not deliver: kept 14 days, encrypted with the
 * environment's key, refusing plain HTTP, and writable by the one sending service only on behalf of the resources
 * named (so no other account's rule can fill it: the confused-deputy condition).
 */
export class EventDeadLetterQueue extends Construct {
  readonly queue: SqsQueue;
  /** The physical name, for alarms. */
  readonly queueName: string;

  constructor(scope: Construct, id: string, props: EventDeadLetterQueueProps) {
    super(scope, id);
    this.queueName = props.queueName;
    this.queue = new SqsQueue(this, "queue", {
      name: props.queueName,
      messageRetentionSeconds: DEAD_LETTER_QUEUE_RETENTION_SECONDS,
      kmsMasterKeyId: props.kmsKeyArn,
      kmsDataKeyReusePeriodSeconds: SQS_DATA_KEY_REUSE_SECONDS,
    });
    const statements: PolicyStatement[] = [denyInsecureTransport(this.queue.arn)];
    if (props.sender)
      statements.push({
        Sid: "AllowTheSenderForItsResourcesOnly",
        Effect: "Allow",
        Principal: { Service: props.sender.servicePrincipal },
        Action: "sqs:SendMessage",
        Resource: this.queue.arn,
        Condition: { ArnEquals: { "aws:SourceArn": [...props.sender.sourceArns] } },
      });
    new SqsQueuePolicy(this, "policy", { queueUrl: this.queue.url, policy: policyDocument(statements) });
  }
}
