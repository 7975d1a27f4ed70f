import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type { EnvironmentConfig } from "../../environments/environment-config.ts";
import { ENVIRONMENT_NAMES, environmentNamed } from "../../environments/index.ts";
import { HANDLER_ENTRIES } from "../../handlers/catalogue.ts";
import { CREDENTIAL_PLACEHOLDER } from "../../stacks/defaults.ts";
import { readEventBuses, readStreamedTables, readStreamMappings } from "../../synthesized/event-bus-model.ts";
import { findByReference, resourcesOf } from "../../synthesized/stack-json.ts";
import { bundlesFolder, synthesizedStack } from "../support/synthesized.ts";

describe.each(ENVIRONMENT_NAMES)("domain events in the %s stack", (environment) => {
  const stack = synthesizedStack(environment);
  const config: EnvironmentConfig = environmentNamed(environment);
  const prefix = config.namePrefix;
  const [bus] = readEventBuses(stack);

  it("streams every committed change of the items table, old and new image, to the publisher", () => {
    expect(readStreamedTables(stack)).toEqual([{ name: `${prefix}-items`, viewType: "NEW_AND_OLD_IMAGES" }]);
    expect(readStreamMappings(stack)).toEqual([
      {
        table: `${prefix}-items`,
        functionName: `${prefix}-item-events`,
        // Through its alias, as every invoker: the mapping runs what the alias points at, warm capacity included.
        qualifier: "live",
        batchSize: config.events.stream.batchSize,
        maxBatchingWindowSeconds: config.events.stream.maxBatchingWindowSeconds,
        maxRetryAttempts: config.events.stream.maxRetryAttempts,
        maxRecordAgeSeconds: config.events.stream.maxRecordAgeSeconds,
        bisectOnError: true,
        reportsBatchItemFailures: true,
        startingPosition: "TRIM_HORIZON",
        onFailureQueue: `${prefix}-item-events-failures`,
      },
    ]);
  });

  it("publishes on one encrypted bus per environment, archived for the configured days", () => {
    const [busResource] = resourcesOf(stack, "aws_cloudwatch_event_bus");
    expect(busResource?.values).toMatchObject({
      name: `${prefix}-item-events`,
      kms_key_identifier: expect.stringMatching(/^\$\{aws_kms_key\./),
    });
    expect(
      findByReference(stack, (busResource?.values.dead_letter_config as { arn?: string } | undefined)?.arn)
        ?.values.name,
    ).toBe(`${prefix}-item-events-bus-dlq`);
    expect(bus?.archives).toEqual([
      {
        name: `${prefix}-events`,
        eventPattern: { source: ["event-crud.items"] },
        retentionDays: config.events.archiveRetentionDays,
      },
    ]);
  });

  it("writes every event to the audit log group, encrypted and kept for the environment's retention", () => {
    const audit = bus?.rules.find((rule) => rule.name === `${prefix}-item-events-audit`);
    expect(audit?.eventPattern).toEqual({ source: ["event-crud.items"] });
    expect(audit?.targets).toEqual([
      expect.objectContaining({
        destination: { kind: "log-group", logGroup: `/aws/events/${prefix}-item-events` },
        deadLetterQueue: `${prefix}-item-events-audit-dlq`,
      }),
    ]);
    const group = resourcesOf(stack, "aws_cloudwatch_log_group").find(
      (candidate) => candidate.values.name === `/aws/events/${prefix}-item-events`,
    );
    expect(group?.values).toMatchObject({ retention_in_days: config.logRetentionDays });
  });

  it("has one rule per configured webhook: its pattern, endpoint, rate, retries and dead-letter queue", () => {
    const webhooks = bus?.rules.filter((rule) => rule.name.startsWith(`${prefix}-webhook-`)) ?? [];
    expect(webhooks.map((rule) => rule.name).sort()).toEqual(
      config.events.webhooks.map((webhook) => `${prefix}-webhook-${webhook.name}`).sort(),
    );
    for (const webhook of config.events.webhooks) {
      const rule = webhooks.find((candidate) => candidate.name === `${prefix}-webhook-${webhook.name}`);
      expect(rule?.eventPattern).toEqual({ ...webhook.eventPattern, source: ["event-crud.items"] });
      expect(rule?.targets).toEqual([
        {
          id: "target",
          retry: webhook.retry,
          deadLetterQueue: `${prefix}-webhook-${webhook.name}-dlq`,
          destination: {
            kind: "api-destination",
            apiDestination: {
              name: `${prefix}-webhook-${webhook.name}`,
              endpoint: webhook.endpoint,
              httpMethod: webhook.httpMethod ?? "POST",
              rateLimitPerSecond: webhook.invocationRateLimitPerSecond,
              authorization:
                webhook.authorization.type === "API_KEY"
                  ? {
                      type: "API_KEY",
                      headerName: webhook.authorization.headerName,
                      value: CREDENTIAL_PLACEHOLDER,
                    }
                  : {
                      type: "BASIC",
                      username: webhook.authorization.username,
                      password: CREDENTIAL_PLACEHOLDER,
                    },
            },
          },
        },
      ]);
    }
  });

  it("replaces a webhook's connection when its endpoint moves to another origin, so no host gets another's secret", () => {
    const origins = resourcesOf(stack, "terraform_data");
    for (const webhook of config.events.webhooks) {
      const connection = resourcesOf(stack, "aws_cloudwatch_event_connection").find(
        (candidate) => candidate.values.name === `${prefix}-webhook-${webhook.name}`,
      );
      const [trigger, ...others] = (connection?.values.lifecycle as { replace_triggered_by?: string[] })
        ?.replace_triggered_by ?? [""];
      expect(others).toEqual([]);
      const origin = origins.find((candidate) => trigger === `terraform_data.${candidate.id}`);
      expect(origin?.values.triggers_replace).toEqual({ origin: new URL(webhook.endpoint).origin });
    }
  });

  it("outputs the bus, the archive (for replays) and the failure queue", () => {
    expect(stack.output).toMatchObject({
      event_bus_name: { value: expect.stringMatching(/^\$\{aws_cloudwatch_event_bus\.[\w-]+\.name\}$/) },
      event_archive_arn: {
        value: expect.stringMatching(/^\$\{aws_cloudwatch_event_archive\.[\w-]+\.arn\}$/),
      },
      item_events_failure_queue_url: { value: expect.stringMatching(/^\$\{aws_sqs_queue\.[\w-]+\.url\}$/) },
    });
  });
});

describe("the handler bundles", () => {
  it("carry no list of the other functions, so adding a function leaves their bundles as they were", () => {
    for (const name of readdirSync(bundlesFolder())) {
      const bundle = readFileSync(path.join(bundlesFolder(), name, "index.mjs"), "utf8");
      const others = Object.values(HANDLER_ENTRIES).filter((entry) => bundle.includes(entry));
      expect(others, name).toEqual([]);
    }
  });
});
