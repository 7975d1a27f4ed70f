import path from "node:path";
import { DataArchiveFile } from "@cdktf/provider-archive/lib/data-archive-file";
import { Apigatewayv2Route } from "@cdktf/provider-aws/lib/apigatewayv2-route";
import { Apigatewayv2Stage } from "@cdktf/provider-aws/lib/apigatewayv2-stage";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { DynamodbTable } from "@cdktf/provider-aws/lib/dynamodb-table";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { LambdaAlias } from "@cdktf/provider-aws/lib/lambda-alias";
import { LambdaEventSourceMapping } from "@cdktf/provider-aws/lib/lambda-event-source-mapping";
import { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
import { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission";
import { LambdaProvisionedConcurrencyConfig } from "@cdktf/provider-aws/lib/lambda-provisioned-concurrency-config";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { SqsQueuePolicy } from "@cdktf/provider-aws/lib/sqs-queue-policy";
import { SqsQueueRedriveAllowPolicy } from "@cdktf/provider-aws/lib/sqs-queue-redrive-allow-policy";
import { Testing } from "cdktf";
import { BundledFunction } from "../../stacks/constructs/bundled-function.ts";
import { EncryptedTable } from "../../stacks/constructs/encrypted-table.ts";
import { EncryptionKey } from "../../stacks/constructs/encryption-key.ts";
import { QueueSubscription } from "../../stacks/constructs/queue-subscription.ts";
import { ServiceAlarms } from "../../stacks/constructs/service-alarms.ts";
import { ServiceQueues } from "../../stacks/constructs/service-queues.ts";
import { WebSocketApi } from "../../stacks/constructs/websocket-api.ts";
import { allow } from "../../stacks/iam.ts";
import { asList, parsePolicy } from "../support/policies.ts";
import { bundlesFolder } from "../support/synthesized.ts";

const KEY_ARN = "arn:aws:kms:eu-west-1:111111111111:key/test";

type Synthesized = Record<string, Record<string, Record<string, Record<string, unknown>>>>;

function resources(synthesized: string, type: string): Array<Record<string, unknown>> {
  return Object.values((JSON.parse(synthesized) as Synthesized).resource?.[type] ?? {});
}

describe("EncryptionKey", () => {
  const synthesized = Testing.synthScope((scope) => {
    new EncryptionKey(scope, "encryption", {
      namePrefix: "crud-test",
      accountId: "111111111111",
      region: "eu-west-1",
      partition: "aws",
      dnsSuffix: "amazonaws.com",
      deletionWindowDays: 14,
    });
  });

  it("rotates, keeps the configured deletion window, and has an alias", () => {
    expect(synthesized).toHaveResourceWithProperties(KmsKey, {
      enable_key_rotation: true,
      deletion_window_in_days: 14,
    });
    expect(synthesized).toHaveResourceWithProperties(KmsAlias, { name: "alias/crud-test" });
  });

  it("grants no principal without either this account's root or a condition", () => {
    const [key] = resources(synthesized, "aws_kms_key");
    const policy = parsePolicy(key?.policy);
    for (const statement of policy.Statement) {
      const principal = statement.Principal as Record<string, string>;
      expect(principal).not.toBe("*");
      const isAccountRoot = principal.AWS === "arn:aws:iam::111111111111:root";
      if (!isAccountRoot || statement.Sid !== "EnableIamPoliciesOfThisAccount") {
        expect(statement.Condition, statement.Sid).toBeDefined();
      }
    }
    expect(policy.Statement.map((statement) => statement.Sid)).toEqual([
      "EnableIamPoliciesOfThisAccount",
      "AllowCloudWatchLogsOfThisAccount",
      "AllowSqsSendersOfThisAccountViaSqs",
      "AllowCloudWatchAlarmsToPublishToTheEncryptedTopic",
      "AllowEventBridgeOfThisAccount",
    ]);
  });
});

describe("EncryptedTable", () => {
  const synthesized = Testing.synthScope((scope) => {
    new EncryptedTable(scope, "connections", {
      tableName: "crud-test-connections",
      partitionKey: "connectionId",
      kmsKeyArn: KEY_ARN,
      pointInTimeRecovery: true,
      deletionProtection: true,
      ttlAttribute: "expiresAt",
      globalIndexes: [{ name: "requestId-index", partitionKey: "requestId" }],
    });
  });

  it("is on-demand, encrypted with the key, recoverable and protected", () => {
    expect(synthesized).toHaveResourceWithProperties(DynamodbTable, {
      name: "crud-test-connections",
      billing_mode: "PAY_PER_REQUEST",
      hash_key: "connectionId",
      server_side_encryption: { enabled: true, kms_key_arn: KEY_ARN },
      point_in_time_recovery: { enabled: true },
      deletion_protection_enabled: true,
      ttl: { attribute_name: "expiresAt", enabled: true },
    });
  });

  it("declares each key attribute once, including the index's", () => {
    const [table] = resources(synthesized, "aws_dynamodb_table");
    expect(table?.attribute).toEqual([
      { name: "connectionId", type: "S" },
      { name: "requestId", type: "S" },
    ]);
    expect(table?.global_secondary_index).toEqual([
      { name: "requestId-index", hash_key: "requestId", projection_type: "ALL" },
    ]);
  });
});

describe("ServiceQueues", () => {
  const synthesized = Testing.synthScope((scope) => {
    new ServiceQueues(scope, "queues", {
      namePrefix: "crud-test",
      queueNames: ["create", "notifications"],
      kmsKeyArn: KEY_ARN,
      visibilityTimeoutSeconds: 65,
      messageRetentionSeconds: 345600,
      maxReceiveCount: 3,
    });
  });

  it("encrypts every queue, including the DLQ, which keeps messages 14 days", () => {
    const queues = resources(synthesized, "aws_sqs_queue");
    expect(queues).toHaveLength(3);
    for (const queue of queues) expect(queue.kms_master_key_id).toBe(KEY_ARN);
    expect(synthesized).toHaveResourceWithProperties(SqsQueue, {
      name: "crud-test-dlq",
      message_retention_seconds: 1209600,
    });
  });

  it("redrives every work queue to the DLQ after 3 receives", () => {
    const workQueues = resources(synthesized, "aws_sqs_queue").filter(
      (queue) => queue.name !== "crud-test-dlq",
    );
    expect(workQueues.map((queue) => queue.name)).toEqual(["crud-test-create", "crud-test-notifications"]);
    for (const queue of workQueues) {
      expect(JSON.parse(String(queue.redrive_policy))).toEqual({
        deadLetterTargetArn: expect.stringMatching(/^\$\{aws_sqs_queue\.queues_dead-letter_\w+\.arn\}$/),
        maxReceiveCount: 3,
      });
      expect(queue.visibility_timeout_seconds).toBe(65);
    }
  });

  it("refuses plain HTTP on every queue", () => {
    const policies = resources(synthesized, "aws_sqs_queue_policy");
    expect(policies).toHaveLength(3);
    for (const policy of policies) {
      expect(parsePolicy(policy.policy).Statement).toEqual([
        expect.objectContaining({
          Effect: "Deny",
          Principal: "*",
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        }),
      ]);
    }
    expect(synthesized).toHaveResource(SqsQueuePolicy);
  });

  it("lets only its own queues redrive into the DLQ", () => {
    const [allow] = resources(synthesized, "aws_sqs_queue_redrive_allow_policy");
    const policy = JSON.parse(String(allow?.redrive_allow_policy));
    expect(policy.redrivePermission).toBe("byQueue");
    expect(policy.sourceQueueArns).toHaveLength(2);
    expect(synthesized).toHaveResource(SqsQueueRedriveAllowPolicy);
  });
});

describe("BundledFunction", () => {
  const synthesized = Testing.synthScope((scope) => {
    new BundledFunction(scope, "create", {
      accountId: "111111111111",
      functionName: "crud-test-items-create",
      bundleDirectory: path.join(bundlesFolder(), "items-create"),
      permissions: [
        allow("UseItems", ["dynamodb:PutItem"], ["arn:aws:dynamodb:eu-west-1:111111111111:table/items"]),
      ],
      kmsKeyArn: KEY_ARN,
      logRetentionDays: 30,
      memoryMb: 1024,
      timeoutSeconds: 10,
      reservedConcurrency: 20,
      environment: { ITEMS_TABLE_NAME: "items" },
    });
  });

  it("runs Node.js 22 on arm64 with active tracing and JSON logs into its own log group", () => {
    expect(synthesized).toHaveResourceWithProperties(LambdaFunction, {
      function_name: "crud-test-items-create",
      runtime: "nodejs22.x",
      architectures: ["arm64"],
      handler: "index.handler",
      memory_size: 1024,
      timeout: 10,
      reserved_concurrent_executions: 20,
      tracing_config: { mode: "Active" },
      logging_config: expect.objectContaining({ log_format: "JSON" }),
      environment: { variables: { ITEMS_TABLE_NAME: "items" } },
    });
    expect(synthesized).toHaveResourceWithProperties(CloudwatchLogGroup, {
      name: "/aws/lambda/crud-test-items-create",
      retention_in_days: 30,
      kms_key_id: KEY_ARN,
    });
  });

  it("deploys the archive of its bundle with the archive's hash and a fixed file mode", () => {
    const [fn] = resources(synthesized, "aws_lambda_function");
    const archives = Object.entries((JSON.parse(synthesized) as Synthesized).data?.archive_file ?? {});
    expect(archives).toHaveLength(1);
    const [archiveId, archive] = archives[0] as [string, Record<string, unknown>];
    expect(archive).toMatchObject({ type: "zip", output_file_mode: "0644" });
    expect(String(archive.source_dir)).toMatch(/^assets\/create_bundle_[0-9A-F]+\/[0-9A-F]{32}$/);
    expect(fn?.source_code_hash).toBe(`\${data.archive_file.${archiveId}.output_base64sha256}`);
    expect(fn?.filename).toBe(`\${data.archive_file.${archiveId}.output_path}`);
    expect(synthesized).toHaveDataSource(DataArchiveFile);
  });

  it("has its own role with an inline policy: its permissions, its log group, and X-Ray as the only wildcard", () => {
    expect(synthesized).not.toHaveResource(IamRolePolicyAttachment);
    const [rolePolicy] = resources(synthesized, "aws_iam_role_policy");
    const statements = parsePolicy(rolePolicy?.policy).Statement;
    expect(statements.map((statement) => statement.Sid)).toEqual(["WriteOwnLogs", "WriteTraces", "UseItems"]);
    for (const statement of statements) {
      if (asList(statement.Resource).includes("*")) {
        expect(asList(statement.Action).every((action) => action.startsWith("xray:"))).toBe(true);
      }
      expect(asList(statement.Action).some((action) => action.includes("*"))).toBe(false);
    }
    expect(asList(statements[0]?.Resource)).toEqual([
      expect.stringMatching(/^\$\{aws_cloudwatch_log_group\.create_logs_\w+\.arn\}:\*$/),
    ]);
  });
});

describe("BundledFunction warm capacity", () => {
  const build = (provisionedConcurrency?: number) =>
    Testing.synthScope((scope) => {
      new BundledFunction(scope, "notify", {
        accountId: "111111111111",
        functionName: "crud-test-notification",
        bundleDirectory: path.join(bundlesFolder(), "notification"),
        permissions: [],
        kmsKeyArn: KEY_ARN,
        logRetentionDays: 30,
        memoryMb: 1024,
        timeoutSeconds: 10,
        reservedConcurrency: 20,
        provisionedConcurrency,
      });
    });

  it("publishes a version and points the live alias at it, with or without provisioned concurrency", () => {
    for (const synthesized of [build(), build(2)]) {
      const [fn] = resources(synthesized, "aws_lambda_function");
      expect(fn?.publish).toBe(true);
      expect(synthesized).toHaveResourceWithProperties(LambdaAlias, {
        name: "live",
        function_name: expect.stringMatching(
          /^\$\{aws_lambda_function\.notify_function_\w+\.function_name\}$/,
        ),
        function_version: expect.stringMatching(/^\$\{aws_lambda_function\.notify_function_\w+\.version\}$/),
      });
    }
  });

  it("keeps environments initialised on the alias only when asked", () => {
    expect(build()).not.toHaveResource(LambdaProvisionedConcurrencyConfig);
    const synthesized = build(2);
    expect(synthesized).toHaveResourceWithProperties(LambdaProvisionedConcurrencyConfig, {
      provisioned_concurrent_executions: 2,
      qualifier: expect.stringMatching(/^\$\{aws_lambda_alias\.notify_alias_\w+\.name\}$/),
    });
  });
});

describe("QueueSubscription", () => {
  it("reports batch item failures, bounds concurrency, and filters nothing", () => {
    const synthesized = Testing.synthScope((scope) => {
      const queue = new SqsQueue(scope, "queue", { name: "q" });
      const fn = new LambdaFunction(scope, "fn", { functionName: "f", role: "r" });
      new QueueSubscription(scope, "subscription", {
        queue,
        function: fn,
        batchSize: 10,
        maxBatchingWindowSeconds: 1,
        maxConcurrency: 5,
      });
    });

    expect(synthesized).toHaveResourceWithProperties(LambdaEventSourceMapping, {
      batch_size: 10,
      maximum_batching_window_in_seconds: 1,
      function_response_types: ["ReportBatchItemFailures"],
      scaling_config: { maximum_concurrency: 5 },
    });
    const [mapping] = resources(synthesized, "aws_lambda_event_source_mapping");
    expect(mapping).not.toHaveProperty("filter_criteria");
  });
});

describe("WebSocketApi", () => {
  const synthesized = Testing.synthScope((scope) => {
    const api = new WebSocketApi(scope, "websocket", {
      apiName: "crud-test-notifications",
      stageName: "live",
      kmsKeyArn: KEY_ARN,
      logRetentionDays: 30,
      throttlingBurstLimit: 100,
      throttlingRateLimit: 50,
    });
    const fn = new LambdaFunction(scope, "connect", { functionName: "c", role: "r" });
    api.addRoute(
      "connect",
      "$connect",
      new LambdaAlias(scope, "connect-alias", {
        name: "live",
        functionName: "c",
        functionVersion: fn.version,
      }),
    );
  });

  it("logs access to an encrypted log group and throttles the stage", () => {
    expect(synthesized).toHaveResourceWithProperties(Apigatewayv2Stage, {
      name: "live",
      auto_deploy: true,
      default_route_settings: { throttling_burst_limit: 100, throttling_rate_limit: 50 },
    });
    expect(synthesized).toHaveResourceWithProperties(CloudwatchLogGroup, {
      name: "/aws/apigateway/crud-test-notifications/live",
      kms_key_id: KEY_ARN,
    });
    const [stage] = resources(synthesized, "aws_apigatewayv2_stage");
    const settings = stage?.access_log_settings as { format: string } | undefined;
    const format = JSON.parse(String(settings?.format));
    expect(format).toMatchObject({
      requestId: "$context.requestId",
      status: "$context.status",
      sourceIp: "$context.identity.sourceIp",
    });
  });

  it("lets only its own route invoke the function", () => {
    expect(synthesized).toHaveResourceWithProperties(Apigatewayv2Route, { route_key: "$connect" });
    const [permission] = resources(synthesized, "aws_lambda_permission");
    expect(permission?.principal).toBe("apigateway.amazonaws.com");
    // The alias, not the unqualified function: the route invokes the alias's version and its warm capacity.
    expect(permission?.qualifier).toMatch(/^\$\{aws_lambda_alias\.connect-alias\.name\}$/);
    const [integration] = resources(synthesized, "aws_apigatewayv2_integration");
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a Terraform reference, not a JS template
    expect(integration?.integration_uri).toBe("${aws_lambda_alias.connect-alias.invoke_arn}");
    expect(permission?.source_arn).toMatch(
      /^\$\{aws_apigatewayv2_api\.websocket_api_\w+\.execution_arn\}\/\$\{aws_apigatewayv2_stage\.\w+\.name\}\/\$connect$/,
    );
    expect(synthesized).toHaveResource(LambdaPermission);
  });
});

describe("ServiceAlarms", () => {
  const build = (email?: string) =>
    Testing.synthScope((scope) => {
      const alarms = new ServiceAlarms(scope, "alarms", {
        namePrefix: "crud-test",
        kmsKeyArn: KEY_ARN,
        email,
      });
      alarms.watchDeadLetterQueue("dlq", "crud-test-dlq");
      alarms.watchQueueAge("create-age", "crud-test-create", 300);
      alarms.watchFunction("create", "crud-test-items-create");
      alarms.watchTable("items", "crud-test-items");
    });

  it("publishes to an encrypted topic and subscribes the e-mail only when configured", () => {
    expect(build("ops@example.com")).toHaveResourceWithProperties(SnsTopicSubscription, {
      protocol: "email",
      endpoint: "ops@example.com",
    });
    expect(build()).not.toHaveResource(SnsTopicSubscription);
    expect(build()).toHaveResourceWithProperties(SnsTopic, {
      name: "crud-test-alarms",
      kms_master_key_id: KEY_ARN,
    });
  });

  it("alarms on a non-empty DLQ, queue age, function errors and throttles, and table throttling", () => {
    const synthesized = build();
    const alarms = resources(synthesized, "aws_cloudwatch_metric_alarm");
    expect(alarms.map((alarm) => alarm.alarm_name).sort()).toEqual([
      "crud-test-create-backlog-age",
      "crud-test-dlq-not-empty",
      "crud-test-items-create-errors",
      "crud-test-items-create-throttles",
      "crud-test-items-throttled-requests",
    ]);
    expect(synthesized).toHaveResourceWithProperties(CloudwatchMetricAlarm, {
      alarm_name: "crud-test-dlq-not-empty",
      metric_name: "ApproximateNumberOfMessagesVisible",
      threshold: 0,
      comparison_operator: "GreaterThanThreshold",
    });
    expect(synthesized).toHaveResourceWithProperties(CloudwatchMetricAlarm, {
      alarm_name: "crud-test-create-backlog-age",
      metric_name: "ApproximateAgeOfOldestMessage",
      threshold: 300,
    });
  });
});
