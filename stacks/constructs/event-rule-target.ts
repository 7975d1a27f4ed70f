import { CloudwatchEventRule } from "@cdktf/provider-aws/lib/cloudwatch-event-rule";
import { CloudwatchEventTarget } from "@cdktf/provider-aws/lib/cloudwatch-event-target";
import { Construct } from "constructs";
import { EventDeadLetterQueue } from "./event-dead-letter-queue.ts";

export interface EventRuleTargetProps {
  readonly ruleName: string;
  readonly description: string;
  readonly eventBusName: string;
  /** EventBridge event pattern, as an object. */
  readonly eventPattern: Readonly<Record<string, unknown>>;
  readonly targetArn: string;
  /** Role EventBridge assumes to call the target. @default none (the target's resource policy admits EventBridge) */
  readonly roleArn?: string;
  readonly retry: { readonly maximumRetryAttempts: number; readonly maximumEventAgeSeconds: number };
  readonly deadLetterQueueName: string;
  readonly kmsKeyArn: string;
  /** EventBridge's service principal in the stack's partition (`events.amazonaws.com`). */
  readonly eventsPrincipal: string;
}

/**
 * One rule on a bus with one target, an explicit retry policy and its own dead-letter queue, so an event the
 * target never accepts is kept (and alarmed on) rather than dropped, and one failing target never hides another's.
 */
export class EventRuleTarget extends Construct {
  readonly rule: CloudwatchEventRule;
  readonly deadLetterQueue: EventDeadLetterQueue;

  constructor(scope: Construct, id: string, props: EventRuleTargetProps) {
    super(scope, id);
    this.rule = new CloudwatchEventRule(this, "rule", {
      name: props.ruleName,
      description: props.description,
      eventBusName: props.eventBusName,
      eventPattern: JSON.stringify(props.eventPattern),
      state: "ENABLED",
    });
    this.deadLetterQueue = new EventDeadLetterQueue(this, "dead-letter", {
      queueName: props.deadLetterQueueName,
      kmsKeyArn: props.kmsKeyArn,
      sender: { servicePrincipal: props.eventsPrincipal, sourceArns: [this.rule.arn] },
    });
    new CloudwatchEventTarget(this, "target", {
      rule: this.rule.name,
      eventBusName: props.eventBusName,
      targetId: "target",
      arn: props.targetArn,
      roleArn: props.roleArn,
      retryPolicy: {
        maximumRetryAttempts: props.retry.maximumRetryAttempts,
        maximumEventAgeInSeconds: props.retry.maximumEventAgeSeconds,
      },
      deadLetterConfig: { arn: this.deadLetterQueue.queue.arn },
    });
  }
}
