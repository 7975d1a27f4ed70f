import { OPERATIONS } from "../../handlers/catalogue.ts";
import { JOBS_ENV } from "../../handlers/lib/environment.ts";
import { OUTCOME_KINDS } from "../../handlers/lib/outcome-metrics.ts";
import { resourcesOf } from "../../synthesized/stack-json.ts";
import { functionsOf, websocketRouteFunctions } from "../stack-usage.ts";
import type { CostContext, ServiceEstimator } from "../types.ts";

/** API Gateway's detailed metrics per method and stage: Count, Latency, IntegrationLatency, 4XXError, 5XXError (cache metrics only with caching). */
const DETAILED_METRICS_PER_METHOD = 5;

export const cloudwatch: ServiceEstimator = {
  service: "CloudWatch",
  prices: [
    "aws_cloudwatch_log_group",
    "aws_cloudwatch_metric_alarm",
    "aws_cloudwatch_dashboard",
    "aws_api_gateway_method_settings",
  ],
  estimate: (context) => {
    const { stack, traffic, requests } = context;
    const functionLogBytes = [...context.invocations].reduce(
      (sum, [name, invocations]) => sum + invocations * (context.measured.functions[name]?.logBytes ?? 0),
      0,
    );
    // An access-log line is about as long as its format: values replace `$context` names of similar length.
    const formatBytes = (type: string) =>
      resourcesOf(stack, type).reduce(
        (sum, stage) =>
          sum +
          String((stage.values.access_log_settings as { format?: string } | undefined)?.format ?? "").length,
        0,
      );
    const routeInvocations = websocketRouteFunctions(context).reduce(
      (sum, name) => sum + (context.invocations.get(name) ?? 0),
      0,
    );
    const accessLogBytes =
      requests * traffic.restCallsPerRequest * formatBytes("aws_api_gateway_stage") +
      routeInvocations * formatBytes("aws_apigatewayv2_stage");
    const ingestedGb = (functionLogBytes + accessLogBytes) / 1e9;
    const retentionMonths =
      Math.max(
        0,
        ...resourcesOf(stack, "aws_cloudwatch_log_group").map((group) =>
          Number(group.values.retention_in_days ?? 0),
        ),
      ) / 30.4375;
    const customMetrics = [...context.invocations.keys()].reduce(
      (sum, name) => sum + (context.measured.functions[name]?.metrics.length ?? 0),
      0,
    );
    const detailedMetrics = resourcesOf(stack, "aws_api_gateway_method_settings").some(
      (settings) => (settings.values.settings as { metrics_enabled?: boolean } | undefined)?.metrics_enabled,
    )
      ? resourcesOf(stack, "aws_api_gateway_method").length * DETAILED_METRICS_PER_METHOD
      : 0;
    const alarmMetrics = resourcesOf(stack, "aws_cloudwatch_metric_alarm").reduce((sum, alarm) => {
      const queries = alarm.values.metric_query as Array<{ metric?: unknown }> | undefined;
      return sum + (queries ? queries.filter((query) => query.metric).length : 1);
    }, 0);
    return [
      { item: "logs ingested", quantity: ingestedGb, priceKey: "cloudwatch.logs.ingestion", fixed: false },
      {
        item: "logs stored (steady state over the retention)",
        quantity: ingestedGb * retentionMonths,
        priceKey: "cloudwatch.logs.storage",
        fixed: false,
      },
      { item: "custom metrics (EMF)", quantity: customMetrics, priceKey: "cloudwatch.metrics", fixed: true },
      {
        item: "REST detailed metrics",
        quantity: detailedMetrics,
        priceKey: "cloudwatch.metrics",
        fixed: true,
      },
      { item: "alarm metrics", quantity: alarmMetrics, priceKey: "cloudwatch.alarms", fixed: true },
      ...metricReads(context),
      {
        item: "dashboards",
        quantity: resourcesOf(stack, "aws_cloudwatch_dashboard").length,
        priceKey: "cloudwatch.dashboards",
        fixed: true,
      },
    ];
  },
};

/** GetMetricData bills each metric a query asks for: the weekly report's, once per run. */
function metricReads(context: CostContext) {
  const metrics = functionsOf(context).reduce((sum, { name, fn }) => {
    const variables = (fn.values.environment as { variables?: Record<string, string> } | undefined)
      ?.variables;
    const queues = variables?.[JOBS_ENV.deadLetterQueues];
    if (queues === undefined) return sum;
    // One query per operation and outcome, and two per dead-letter queue it counts (handlers/jobs/report.ts).
    const queries = OPERATIONS.length * OUTCOME_KINDS.length + 2 * queues.split(",").length;
    return sum + (context.invocations.get(name) ?? 0) * queries;
  }, 0);
  return metrics > 0
    ? [
        {
          item: "metrics read by the weekly report (GetMetricData)",
          quantity: metrics,
          priceKey: "cloudwatch.getmetricdata",
          fixed: true,
        },
      ]
    : [];
}
