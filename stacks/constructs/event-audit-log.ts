import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { CloudwatchLogResourcePolicy } from "@cdktf/provider-aws/lib/cloudwatch-log-resource-policy";
import { Construct } from "constructs";
import { EVENT_TARGET_RETRY } from "../defaults.ts";
import { policyDocument } from "../iam.ts";
import { EventRuleTarget } from "./event-rule-target.ts";

export interface EventAuditLogProps {
  /** Names the rule, the log resource policy and (with `-dlq`) the dead-letter queue. */
  readonly name: string;
  /** CloudWatch Logs group; EventBridge writes only to groups under `/aws/events/`. */
  readonly logGroupName: string;
  readonly logRetentionDays: number;
  readonly eventBusName: string;
  readonly eventPattern: Readonly<Record<string, unknown>>;
  readonly kmsKeyArn: string;
  readonly eventsPrincipal: string;
  /** CloudWatch Logs' delivery service principal, which writes for EventBridge (`delivery.logs.amazonaws.com`). */
  readonly logsDeliveryPrincipal: string;
}

/**
 * Every matching event, written by EventBridge to a log group encrypted with the environment's key and kept for
 * the environment's retention: the audit trail. The log group's resource policy admits EventBridge for this rule
 * alone.
 */
export class EventAuditLog extends Construct {
  readonly logGroup: CloudwatchLogGroup;
  readonly target: EventRuleTarget;

  constructor(scope: Construct, id: string, props: EventAuditLogProps) {
    super(scope, id);
    this.logGroup = new CloudwatchLogGroup(this, "logs", {
      name: props.logGroupName,
      retentionInDays: props.logRetentionDays,
      kmsKeyId: props.kmsKeyArn,
    });
    this.target = new EventRuleTarget(this, "delivery", {
      ruleName: props.name,
      description: "Every item event, to the audit log group",
      eventBusName: props.eventBusName,
      eventPattern: props.eventPattern,
      targetArn: this.logGroup.arn,
      retry: EVENT_TARGET_RETRY,
      deadLetterQueueName: `${props.name}-dlq`,
      kmsKeyArn: props.kmsKeyArn,
      eventsPrincipal: props.eventsPrincipal,
    });
    new CloudwatchLogResourcePolicy(this, "writers", {
      policyName: props.name,
      policyDocument: policyDocument([
        {
          Sid: "EventBridgeWritesThisRulesEvents",
          Effect: "Allow",
          Principal: { Service: [props.eventsPrincipal, props.logsDeliveryPrincipal] },
          Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
          Resource: `${this.logGroup.arn}:*`,
          Condition: { ArnEquals: { "aws:SourceArn": this.target.rule.arn } },
        },
      ]),
    });
  }
}
