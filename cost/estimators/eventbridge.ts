import {
  findByReference,
  parseReference,
  resourcesOf,
  type StackResource,
} from "../../synthesized/stack-json.ts";
import type { ServiceEstimator } from "../types.ts";

/** EventBridge meters a custom event by its 64 KB chunks. */
const CHUNK_BYTES = 64 * 1024;

const targetsOfType = (targets: readonly StackResource[], type: string) =>
  targets.filter((target) => parseReference(target.values.arn)?.type === type);

/**
 * Domain events: every item change stored is one custom event put on the bus; each webhook's API destination is
 * invoked once per event it receives (at most every event: its pattern may pass fewer), the archive processes and
 * keeps every event for its retention, and the audit rule writes every event to a log group. Buses, rules and
 * targets cost nothing of their own, nor do connections: a connection's Secrets Manager secret is included in the
 * API destination's price.
 */
export const eventbridge: ServiceEstimator = {
  service: "EventBridge",
  prices: [
    "aws_cloudwatch_event_bus",
    "aws_cloudwatch_event_rule",
    "aws_cloudwatch_event_target",
    "aws_cloudwatch_event_archive",
    "aws_cloudwatch_event_connection",
    "aws_cloudwatch_event_api_destination",
  ],
  estimate: (context) => {
    const { stack, requests } = context;
    if (resourcesOf(stack, "aws_cloudwatch_event_bus").length === 0) return [];
    const { changesPerRequest, eventBytes } = context.traffic.domainEvents;
    const events = requests * changesPerRequest;
    const eventGb = (events * eventBytes) / 1e9;
    const targets = resourcesOf(stack, "aws_cloudwatch_event_target");
    const webhooks = targetsOfType(targets, "aws_cloudwatch_event_api_destination").length;
    const logTargets = targetsOfType(targets, "aws_cloudwatch_log_group");
    const retentionMonths = (days: unknown) => Number(days ?? 0) / 30.4375;
    const archiveMonths = resourcesOf(stack, "aws_cloudwatch_event_archive").map((archive) =>
      retentionMonths(archive.values.retention_days),
    );
    const auditMonths = logTargets.map((target) =>
      retentionMonths(findByReference(stack, target.values.arn)?.values.retention_in_days),
    );
    return [
      {
        item: "custom events put on the bus",
        quantity: events * Math.ceil(eventBytes / CHUNK_BYTES),
        priceKey: "eventbridge.custom-events",
        fixed: false,
      },
      {
        item: "webhook deliveries (API destinations)",
        quantity: events * webhooks,
        priceKey: "eventbridge.api-destinations",
        fixed: false,
      },
      {
        item: "archive: events processed",
        quantity: eventGb * archiveMonths.length,
        priceKey: "eventbridge.archive-processed",
        fixed: false,
      },
      {
        item: "archive: events stored (steady state over the retention)",
        quantity: archiveMonths.reduce((sum, months) => sum + eventGb * months, 0),
        priceKey: "eventbridge.archive-storage",
        fixed: false,
      },
      {
        item: "audit log: events ingested (CloudWatch Logs)",
        quantity: eventGb * logTargets.length,
        priceKey: "cloudwatch.logs.ingestion",
        fixed: false,
      },
      {
        item: "audit log: events stored (steady state over the retention)",
        quantity: auditMonths.reduce((sum, months) => sum + eventGb * months, 0),
        priceKey: "cloudwatch.logs.storage",
        fixed: false,
      },
    ];
  },
};
