import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { inject } from "vitest";
import { dev } from "../../environments/dev.ts";
import type { EnvironmentConfig } from "../../environments/environment-config.ts";
import { ENVIRONMENT_NAMES, ENVIRONMENTS } from "../../environments/index.ts";
import { HANDLER_NAMES } from "../../handlers/catalogue.ts";
import { QUEUE_NAMES } from "../../stacks/names.ts";
import { summarizeSynthesis, synthesizeService } from "../../stacks/service-app.ts";
import { inlinePoliciesOfRole } from "../../synthesized/stack-json.ts";
import { allowedActions, parsePolicy } from "../support/policies.ts";
import { resourcesOfType, synthesizedStack, type TerraformJson } from "../support/synthesized.ts";

const configOf = (name: string) => ENVIRONMENTS.find((config) => config.name === name) as EnvironmentConfig;

/** The inline policy of each function's role, keyed by handler name. */
function functionPolicies(stack: TerraformJson, prefix: string): Record<string, string[]> {
  const policies: Record<string, string[]> = {};
  for (const name of HANDLER_NAMES) {
    const attached = inlinePoliciesOfRole(stack, `${prefix}-${name}`);
    expect(attached, name).toHaveLength(1);
    policies[name] = allowedActions(parsePolicy(attached[0]));
  }
  return policies;
}

function tableRef(stack: TerraformJson, tableName: string): string {
  const [id] =
    Object.entries(resourcesOfType(stack, "aws_dynamodb_table")).find(
      ([, table]) => table.name === tableName,
    ) ?? [];
  return `\${aws_dynamodb_table.${id}.arn}`;
}

describe.each(ENVIRONMENT_NAMES)("the %s stack", (environment) => {
  const stack = synthesizedStack(environment);
  const config = configOf(environment);
  const prefix = config.namePrefix;

  it("matches its snapshot", () => {
    expect(stack).toMatchSnapshot();
  });

  it("holds no absolute path, so it synthesizes identically on every machine", () => {
    const text = JSON.stringify(stack);
    expect(text).not.toContain(process.cwd());
    expect(text).not.toContain(tmpdir());
    expect(text).not.toMatch(/"\/(work|tmp|home|root|Users)\//);
  });

  it("pins the provider to the configured account and region", () => {
    expect(stack.provider.aws).toEqual([
      {
        region: config.region,
        allowed_account_ids: [config.accountId],
        default_tags: [{ tags: config.tags }],
      },
      // CloudFront's certificates, web ACL and log delivery live in us-east-1 whatever the stack's region.
      {
        alias: "edge",
        region: "us-east-1",
        allowed_account_ids: [config.accountId],
        default_tags: [{ tags: config.tags }],
      },
    ]);
    expect((stack.terraform.required_providers as Record<string, { version: string }>).aws?.version).toBe(
      "5.100.0",
    );
  });

  it("consumes every queue with exactly one unfiltered mapping reporting batch item failures", () => {
    const mappings = Object.values(resourcesOfType(stack, "aws_lambda_event_source_mapping"));
    const queues = resourcesOfType(stack, "aws_sqs_queue");
    for (const queueName of QUEUE_NAMES) {
      const [queueId] =
        Object.entries(queues).find(([, queue]) => queue.name === `${prefix}-${queueName}`) ?? [];
      const consumers = mappings.filter(
        (mapping) => mapping.event_source_arn === `\${aws_sqs_queue.${queueId}.arn}`,
      );
      expect(consumers, queueName).toHaveLength(1);
      expect(consumers[0]).toMatchObject({
        function_response_types: ["ReportBatchItemFailures"],
        batch_size: config.eventSource.batchSize,
        scaling_config: { maximum_concurrency: config.eventSource.maxConcurrency },
      });
      expect(consumers[0]).not.toHaveProperty("filter_criteria");
    }
  });

  it("gives each function exactly the table, queue and connection rights its job needs", () => {
    const policies = functionPolicies(stack, prefix);
    const items = tableRef(stack, `${prefix}-items`);
    const requests = tableRef(stack, `${prefix}-requests`);
    const connections = tableRef(stack, `${prefix}-connections`);
    const dataActions = (name: string) =>
      (policies[name] ?? [])
        .filter((entry) => entry.startsWith("dynamodb:") || entry.startsWith("execute-api:"))
        .sort();

    expect(dataActions("items-create")).toEqual([
      `dynamodb:GetItem on ${items}`,
      `dynamodb:PutItem on ${items}`,
    ]);
    expect(dataActions("items-read")).toEqual([
      `dynamodb:GetItem on ${items}`,
      `dynamodb:Query on ${items}/index/owner-created-index`,
    ]);
    expect(dataActions("items-update")).toEqual([
      `dynamodb:GetItem on ${items}`,
      `dynamodb:UpdateItem on ${items}`,
    ]);
    expect(dataActions("items-delete")).toEqual([
      `dynamodb:GetItem on ${items}`,
      `dynamodb:UpdateItem on ${items}`,
    ]);
    expect(dataActions("ws-connect")).toEqual([
      `dynamodb:DeleteItem on ${connections}`,
      `dynamodb:GetItem on ${connections}`,
      `dynamodb:PutItem on ${connections}`,
      `dynamodb:UpdateItem on ${connections}`,
      expect.stringMatching(
        /^execute-api:ManageConnections on \$\{aws_apigatewayv2_api\.\w+\.execution_arn\}\/live\/GET\/@connections\/\*$/,
      ),
    ]);
    expect(dataActions("ws-authorizer")).toEqual([]);
    expect(dataActions("ws-disconnect")).toEqual([
      `dynamodb:DeleteItem on ${connections}`,
      `dynamodb:GetItem on ${connections}`,
      `dynamodb:UpdateItem on ${connections}`,
    ]);
    // POST pushes a frame; DELETE closes a socket whose token has expired.
    const pushAndClose = ["DELETE", "POST"].map((method) =>
      expect.stringMatching(
        new RegExp(
          `^execute-api:ManageConnections on \\$\\{aws_apigatewayv2_api\\.\\w+\\.execution_arn\\}/live/${method}/@connections/\\*$`,
        ),
      ),
    );
    expect(dataActions("notification")).toEqual([
      `dynamodb:DeleteItem on ${connections}`,
      `dynamodb:GetItem on ${connections}`,
      `dynamodb:GetItem on ${requests}`,
      `dynamodb:PutItem on ${requests}`,
      `dynamodb:UpdateItem on ${connections}`,
      ...pushAndClose,
    ]);
    expect(dataActions("ws-default")).toEqual([
      `dynamodb:GetItem on ${connections}`,
      `dynamodb:GetItem on ${requests}`,
      ...pushAndClose,
    ]);
    const jobRuns = tableRef(stack, `${prefix}-job-runs`);
    const ledger = ["DeleteItem", "GetItem", "PutItem", "UpdateItem"].map(
      (action) => `dynamodb:${action} on ${jobRuns}`,
    );
    expect(dataActions("job-cleanup")).toEqual(
      [
        ...ledger,
        ...["DeleteItem", "GetItem", "Scan", "UpdateItem"].map(
          (action) => `dynamodb:${action} on ${connections}`,
        ),
      ]
        .sort()
        .concat(
          expect.stringMatching(
            /^execute-api:ManageConnections on \$\{aws_apigatewayv2_api\.\w+\.execution_arn\}\/live\/GET\/@connections\/\*$/,
          ),
        ),
    );
    expect(dataActions("job-report")).toEqual(ledger);
    expect(dataActions("job-canary")).toEqual(ledger);
    const stream = items.replace(/\.arn\}$/, ".stream_arn}");
    expect(dataActions("item-events")).toEqual([
      `dynamodb:DescribeStream on ${stream}`,
      `dynamodb:GetRecords on ${stream}`,
      `dynamodb:GetShardIterator on ${stream}`,
      "dynamodb:ListStreams on *",
    ]);
    expect((policies["item-events"] ?? []).filter((entry) => /^(events|sqs):/.test(entry)).sort()).toEqual([
      expect.stringMatching(/^events:PutEvents on \$\{aws_cloudwatch_event_bus\.[\w-]+\.arn\}$/),
      expect.stringMatching(
        /^sqs:SendMessage on \$\{aws_sqs_queue\.domain-events_publisher-failures_queue_\w+\.arn\}$/,
      ),
    ]);
    // Lambda requires ListStreams of a stream consumer; IAM offers no resource to scope it to.
    const unscoped = (name: string) => [
      ...(name === "item-events" ? ["dynamodb:ListStreams on *"] : []),
      // CloudWatch cannot scope reading metric data to a metric.
      ...(name === "job-report" ? ["cloudwatch:GetMetricData on *"] : []),
      "xray:PutTelemetryRecords on *",
      "xray:PutTraceSegments on *",
    ];
    for (const [name, allowed] of Object.entries(policies)) {
      expect(
        allowed.filter((entry) => entry.split(" on ")[0]?.includes("*")),
        name,
      ).toEqual([]);
      const wildcards = allowed.filter((entry) => entry.endsWith(" on *")).sort();
      expect(wildcards, name).toEqual(unscoped(name));
    }
  });

  it("alarms on the DLQ, every queue's age, every function's errors and throttles, every table and the REST stage", () => {
    const names = new Set(
      Object.values(resourcesOfType(stack, "aws_cloudwatch_metric_alarm")).map((alarm) => alarm.alarm_name),
    );
    const expected = [
      `${prefix}-dlq-not-empty`,
      ...QUEUE_NAMES.map((queue) => `${prefix}-${queue}-backlog-age`),
      ...HANDLER_NAMES.flatMap((name) => [`${prefix}-${name}-errors`, `${prefix}-${name}-throttles`]),
      ...["items", "connections", "requests"].map((table) => `${prefix}-${table}-throttled-requests`),
      `${prefix}-items-5xx`,
      `${prefix}-items-p99-latency`,
      ...["items-create", "items-read", "items-update", "items-delete"].flatMap((service) => [
        `${prefix}-${service}-RecordFailed`,
        `${prefix}-${service}-CommandUnanswerable`,
        `${prefix}-${service}-CommandRefused`,
      ]),
      `${prefix}-notification-RecordFailed`,
      `${prefix}-notification-NotificationUnanswerable`,
      `${prefix}-item-events-RecordFailed`,
      ...[
        "item-events-bus-dlq",
        "item-events-failures",
        "item-events-audit-dlq",
        ...config.events.webhooks.map((webhook) => `webhook-${webhook.name}-dlq`),
      ].map((queue) => `${prefix}-${queue}-not-empty`),
      `${prefix}-item-events-iterator-age`,
      `${prefix}-jobs-dlq-not-empty`,
      // A canary that is off would be missing data, which its alarm counts as failing: no alarm then.
      ...(config.jobs.canary.enabled ? [`${prefix}-job-canary-failing`] : []),
    ];
    expect([...names].sort()).toEqual(expected.sort());
  });

  it("protects tables as the environment says", () => {
    for (const table of Object.values(resourcesOfType(stack, "aws_dynamodb_table"))) {
      expect(table.deletion_protection_enabled).toBe(config.deletionProtection);
      expect(table.point_in_time_recovery).toEqual({ enabled: config.pointInTimeRecovery });
    }
  });

  it("makes every logging stage wait for the account's API Gateway CloudWatch role it owns", () => {
    const [settingsId] = Object.keys(resourcesOfType(stack, "aws_api_gateway_account"));
    expect(settingsId).toBeDefined();
    for (const type of ["aws_api_gateway_stage", "aws_apigatewayv2_stage"]) {
      for (const stage of Object.values(resourcesOfType(stack, type))) {
        expect(stage.depends_on, type).toContain(`aws_api_gateway_account.${settingsId}`);
      }
    }
  });

  it("alarms only on metrics a handler emits", () => {
    const emitted = new Set(
      readdirSync("handlers", { recursive: true, encoding: "utf8" })
        .filter((file) => file.endsWith(".ts"))
        .flatMap((file) =>
          [...readFileSync(path.join("handlers", file), "utf8").matchAll(/addMetric\("(\w+)"/g)].map(
            (match) => match[1],
          ),
        ),
    );
    const custom = Object.values(resourcesOfType(stack, "aws_cloudwatch_metric_alarm")).filter(
      (alarm) => alarm.namespace === "EventCrud",
    );
    expect(custom.length).toBeGreaterThan(0);
    for (const alarm of custom) expect(emitted, String(alarm.alarm_name)).toContain(alarm.metric_name);
  });

  it("outputs what clients and the REST API need", () => {
    expect(Object.keys(stack.output).sort()).toEqual(
      [
        "alarm_topic_arn",
        "api_key_id",
        "rest_url",
        "connections_table_name",
        "dead_letter_queue_url",
        "event_archive_arn",
        "event_bus_name",
        "item_events_failure_queue_url",
        "items_table_name",
        "requests_table_name",
        "websocket_url",
        "user_pool_id",
        "token_issuer",
        "web_client_id",
        "hosted_ui_domain",
        "machine_client_id",
        "site_url",
        "site_distribution_id",
        "report_topic_arn",
        ...QUEUE_NAMES.map((queue) => `${queue}_queue_url`),
      ].sort(),
    );
  });
});

describe("state backends", () => {
  it("keeps dev state locally and staging and prod state in S3 with a native lock file", () => {
    expect(synthesizedStack("dev").terraform.backend).toEqual({ local: { path: "terraform.dev.tfstate" } });
    for (const environment of ["staging", "prod"] as const) {
      const { backend } = configOf(environment);
      expect(synthesizedStack(environment).terraform.backend).toEqual({
        s3: { ...backend, type: undefined, encrypt: true, use_lockfile: true },
      });
    }
  });
});

describe("synthesis", () => {
  it("summarizes what it wrote: each stack's file and its resource count", () => {
    const outdir = inject("synthOutdir");
    const summary = summarizeSynthesis(outdir, ENVIRONMENTS);
    expect(summary.map((stack) => stack.name)).toEqual(ENVIRONMENT_NAMES);
    for (const stack of summary) {
      const declared = Object.values(synthesizedStack(stack.name).resource).flatMap((ofType) =>
        Object.keys(ofType),
      );
      expect(stack.resources).toBe(declared.length);
      expect(stack.file).toMatch(new RegExp(`stacks/${stack.name}/cdk\\.tf\\.json$`));
    }
  });

  it("refuses a bad config before writing anything", async () => {
    const outdir = path.join(mkdtempSync(path.join(tmpdir(), "crud-bad-synth-")), "out");
    try {
      await expect(
        synthesizeService({
          projectRoot: process.cwd(),
          outdir,
          environments: [{ ...dev, accountId: "42", queues: { ...dev.queues, maxReceiveCount: 0 } }],
        }),
      ).rejects.toThrow(
        /dev: accountId: must be 12 digits, got "42"\n {2}- dev: queues\.maxReceiveCount: must be an integer from 1 to 1000, got 0/,
      );
      expect(existsSync(outdir)).toBe(false);
    } finally {
      rmSync(path.dirname(outdir), { recursive: true, force: true });
    }
  });

  it("copies each function's bundle and each site file into every stack's own assets", () => {
    const stackDir = path.join(inject("synthOutdir"), "stacks", "dev", "assets");
    const folders = readdirSync(stackDir).map((folder) => folder.replace(/_[0-9A-F]+$/, ""));
    expect(folders.filter((folder) => !folder.startsWith("site_")).sort()).toEqual(
      HANDLER_NAMES.map((name) => `${name}-function_bundle`).sort(),
    );
    expect(folders.filter((folder) => folder.startsWith("site_")).sort()).toEqual(
      readdirSync("web")
        .map((file) => `site_asset-${file.replace(/[^A-Za-z0-9-]/g, "")}`)
        .sort(),
    );
  });
});
