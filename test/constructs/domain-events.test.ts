import { CloudwatchEventApiDestination } from "@cdktf/provider-aws/lib/cloudwatch-event-api-destination";
import { CloudwatchEventConnection } from "@cdktf/provider-aws/lib/cloudwatch-event-connection";
import { CloudwatchEventRule } from "@cdktf/provider-aws/lib/cloudwatch-event-rule";
import { CloudwatchEventTarget } from "@cdktf/provider-aws/lib/cloudwatch-event-target";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { Testing } from "cdktf";
import { EventDeadLetterQueue } from "../../stacks/constructs/event-dead-letter-queue.ts";
import { WebhookDestination } from "../../stacks/constructs/webhook-destination.ts";
import { CREDENTIAL_PLACEHOLDER } from "../../stacks/defaults.ts";
import { parsePolicy } from "../support/policies.ts";

const KEY_ARN = "arn:aws:kms:eu-west-1:111111111111:key/test";

type Synthesized = Record<string, Record<string, Record<string, Record<string, unknown>>>>;
const resources = (synthesized: string, type: string) =>
  Object.values((JSON.parse(synthesized) as Synthesized).resource?.[type] ?? {});

describe("EventDeadLetterQueue", () => {
  const synthesized = Testing.synthScope((scope) => {
    new EventDeadLetterQueue(scope, "dlq", {
      queueName: "crud-test-webhook-dlq",
      kmsKeyArn: KEY_ARN,
      sender: {
        servicePrincipal: "events.amazonaws.com",
        sourceArns: ["arn:aws:events:eu-west-1:111111111111:rule/bus/rule"],
      },
    });
  });

  it("keeps what it receives 14 days, encrypted with the key", () => {
    expect(synthesized).toHaveResourceWithProperties(SqsQueue, {
      name: "crud-test-webhook-dlq",
      message_retention_seconds: 1209600,
      kms_master_key_id: KEY_ARN,
    });
  });

  it("refuses plain HTTP and admits the sender only for the resources named", () => {
    const [policy] = resources(synthesized, "aws_sqs_queue_policy");
    const statements = parsePolicy(policy?.policy).Statement;
    expect(statements.map((statement) => [statement.Sid, statement.Effect])).toEqual([
      ["DenyInsecureTransport", "Deny"],
      ["AllowTheSenderForItsResourcesOnly", "Allow"],
    ]);
    expect(statements[1]).toMatchObject({
      Principal: { Service: "events.amazonaws.com" },
      Action: "sqs:SendMessage",
      Condition: { ArnEquals: { "aws:SourceArn": ["arn:aws:events:eu-west-1:111111111111:rule/bus/rule"] } },
    });
  });
});

describe("WebhookDestination", () => {
  const synthesized = Testing.synthScope((scope) => {
    new WebhookDestination(scope, "webhook", {
      resourceName: "crud-test-webhook-partner",
      endpoint: "https://hooks.example.com/items",
      httpMethod: "PUT",
      rateLimitPerSecond: 7,
      retry: { maximumRetryAttempts: 12, maximumEventAgeSeconds: 7200 },
      authorization: { type: "BASIC", username: "crud" },
      eventBusName: "crud-test-item-events",
      eventPattern: { source: ["event-crud.items"], "detail-type": ["item.deleted"] },
      kmsKeyArn: KEY_ARN,
      eventsPrincipal: "events.amazonaws.com",
      accountId: "111111111111",
    });
  });

  it("keeps the credential out of the stack: a placeholder Terraform ignores, encrypted with the key", () => {
    expect(synthesized).toHaveResourceWithProperties(CloudwatchEventConnection, {
      name: "crud-test-webhook-partner",
      authorization_type: "BASIC",
      auth_parameters: { basic: { username: "crud", password: CREDENTIAL_PLACEHOLDER } },
      kms_key_identifier: KEY_ARN,
      lifecycle: {
        ignore_changes: ["auth_parameters"],
        replace_triggered_by: [expect.stringMatching(/^terraform_data\.[\w-]+$/)],
      },
    });
  });

  it("delivers with the configured method and rate, retries as configured, and dead-letters what fails", () => {
    expect(synthesized).toHaveResourceWithProperties(CloudwatchEventApiDestination, {
      invocation_endpoint: "https://hooks.example.com/items",
      http_method: "PUT",
      invocation_rate_limit_per_second: 7,
    });
    expect(synthesized).toHaveResourceWithProperties(CloudwatchEventRule, {
      name: "crud-test-webhook-partner",
      event_bus_name: "crud-test-item-events",
      event_pattern: JSON.stringify({ source: ["event-crud.items"], "detail-type": ["item.deleted"] }),
      state: "ENABLED",
    });
    expect(synthesized).toHaveResourceWithProperties(CloudwatchEventTarget, {
      event_bus_name: "crud-test-item-events",
      retry_policy: { maximum_retry_attempts: 12, maximum_event_age_in_seconds: 7200 },
    });
    expect(synthesized).toHaveResourceWithProperties(SqsQueue, { name: "crud-test-webhook-partner-dlq" });
  });

  it("gives EventBridge a role that may invoke this destination and nothing else", () => {
    const [role] = resources(synthesized, "aws_iam_role");
    expect(parsePolicy(role?.assume_role_policy).Statement).toEqual([
      {
        Effect: "Allow",
        Principal: { Service: "events.amazonaws.com" },
        Action: "sts:AssumeRole",
        // Only this account's rules: no other account's EventBridge can make the role invoke the destination.
        Condition: { StringEquals: { "aws:SourceAccount": "111111111111" } },
      },
    ]);
    const [policy] = resources(synthesized, "aws_iam_role_policy");
    expect(parsePolicy(policy?.policy).Statement).toEqual([
      {
        Sid: "InvokeThisDestination",
        Effect: "Allow",
        Action: ["events:InvokeApiDestination"],
        Resource: [expect.stringMatching(/^\$\{aws_cloudwatch_event_api_destination\.[\w-]+\.arn\}$/)],
      },
    ]);
  });
});
