import {
  findByReference,
  findFunction,
  resourcesOf,
  type StackJson,
  type StackResource,
} from "../synthesized/stack-json.ts";

/**
 * The monthly cost of one synthesized stack at a number of requests, from three inputs: the stack (what exists and
 * how it is configured), what each function measurably does per invocation (`npm run bench` writes it), and a
 * dated price table. Each AWS service is one `ServiceEstimator`; a service added to the stack slots in with its
 * price rows and, where traffic drives it, its per-request figure in `Traffic`.
 */

export const SECONDS_PER_MONTH = 30.4375 * 24 * 60 * 60;

export interface Price {
  readonly usd: number;
  /** How many units `usd` buys. */
  readonly per: number;
  readonly unit: string;
}

export interface PriceTable {
  readonly region: string;
  readonly currency: "USD";
  /** When the prices were last checked against their sources (YYYY-MM-DD). */
  readonly checked: string;
  readonly sources: Readonly<Record<string, string>>;
  readonly prices: Readonly<Record<string, Price>>;
}

/** What one invocation of a function did and lasted, measured against local peers. */
export interface MeasuredFunction {
  readonly coldStartMs: number;
  readonly warmInvocationMs: number;
  /** `<operation> <table suffix>` to calls and capacity units per invocation. */
  readonly dynamodb: Readonly<Record<string, { calls: number; capacityUnits: number }>>;
  readonly sqsMessages: number;
  readonly sqsBytesPerMessage: number;
  readonly websocketPosts: number;
  readonly websocketBytesPerPost: number;
  readonly logBytes: number;
  /** Custom metrics it publishes (EMF), one entry per billed metric. */
  readonly metrics: readonly string[];
}

export interface MeasuredUsage {
  readonly measuredAt: string;
  readonly functions: Readonly<Record<string, MeasuredFunction>>;
}

/** How requests drive the stack: the assumptions of an estimate, each stated. */
export interface Traffic {
  /** Invocations of each function (named without the stack's prefix) per request; SQS-fed ones per record. */
  readonly invocationsPerRequest: Readonly<Record<string, number>>;
  /** REST API calls per request (the command itself, plus any polling). */
  readonly restCallsPerRequest: number;
  /** Command messages the REST API puts on SQS per request, and the largest command's size. */
  readonly commandMessagesPerRequest: number;
  readonly commandBytes: number;
  readonly websocket: {
    readonly connectionsPerRequest: number;
    readonly minutesPerConnection: number;
    /** Messages clients send per request (status asks). */
    readonly inboundMessagesPerRequest: number;
  };
  /** SQS records per Lambda invocation. 1 is the worst case: batches fill only under load. */
  readonly recordsPerBatch: number;
  /** Share of on-demand invocations that start an execution environment (INIT is billed). */
  readonly coldStartShare: number;
  /**
   * What an AWS call adds to an invocation in AWS over the loopback peers it was measured against (DynamoDB and
   * SQS answer in single-digit milliseconds in-region): added per DynamoDB call, SQS send and `@connections` post.
   */
  readonly awsCallMs: number;
  /** Empty long-poll receives Lambda's pollers make on each subscribed queue per month, traffic or not. */
  readonly idleReceivesPerQueuePerMonth: number;
  /** Requests sampled into X-Ray traces: a reservoir per second, then a share of the rest (X-Ray's default rule). */
  readonly tracing: { readonly reservoirPerSecond: number; readonly rate: number };
}

export interface CostLine {
  readonly service: string;
  readonly item: string;
  readonly quantity: number;
  readonly unit: string;
  readonly usd: number;
  /** Paid whatever the traffic (keys, alarms, provisioned concurrency, idle polling). */
  readonly fixed: boolean;
}

export interface Estimate {
  readonly environment: string;
  readonly requests: number;
  readonly lines: readonly CostLine[];
  readonly byService: Readonly<Record<string, number>>;
  readonly totalUsd: number;
  readonly fixedUsd: number;
  /** The total over the requests, in millions. */
  readonly perMillionUsd: number;
  /** The part that grows with traffic, per million requests (not quite linear: X-Ray samples less as traffic grows). */
  readonly marginalPerMillionUsd: number;
  readonly notes: readonly string[];
  readonly pricesChecked: string;
  readonly region: string;
  readonly measuredAt: string;
}

export interface EstimateInput {
  readonly environment: string;
  readonly stack: StackJson;
  /** Prefix of the stack's physical names (`crud-prod`): function `crud-prod-notification` is `notification`. */
  readonly namePrefix: string;
  readonly requests: number;
  readonly prices: PriceTable;
  readonly measured: MeasuredUsage;
  readonly traffic: Traffic;
}

/** What every estimator gets: the input, and the derived figures several of them share. */
export interface CostContext extends EstimateInput {
  /** Invocations per month of each function, by short name (only functions with a traffic figure). */
  readonly invocations: ReadonlyMap<string, number>;
  readonly price: (key: string) => Price;
  readonly note: (text: string) => void;
}

export interface ServiceEstimator {
  readonly service: string;
  /** The resource types whose cost it accounts for; a type no estimator names is reported as unpriced. */
  readonly prices: readonly string[];
  estimate(context: CostContext): Array<Omit<CostLine, "service" | "usd" | "unit"> & { priceKey: string }>;
}

const MINUTE = 60;

/** `n` units of 64 KB (SQS) or 32 KB (WebSocket) a payload of `bytes` is billed as. */
export const chunks = (bytes: number, size: number) => Math.max(1, Math.ceil(bytes / size));

/** Short names (without the prefix) of every function in the stack, with their resources. */
function functionsOf(context: EstimateInput): Array<{ name: string; fn: StackResource }> {
  return resourcesOf(context.stack, "aws_lambda_function").map((fn) => ({
    name: String(fn.values.function_name).slice(context.namePrefix.length + 1),
    fn,
  }));
}

function isQueueConsumer(stack: StackJson, fn: StackResource): boolean {
  return resourcesOf(stack, "aws_lambda_event_source_mapping").some(
    (mapping) => findFunction(stack, mapping.values.function_name)?.fn.id === fn.id,
  );
}

function provisionedConcurrencyOf(stack: StackJson, fn: StackResource): number {
  return resourcesOf(stack, "aws_lambda_provisioned_concurrency_config")
    .filter((config) => findByReference(stack, config.values.function_name)?.id === fn.id)
    .reduce((sum, config) => sum + Number(config.values.provisioned_concurrent_executions), 0);
}

/** Lambda gives a function one vCPU at 1,769 MB and a proportional share below. */
const FULL_VCPU_MB = 1769;

/**
 * How long an invocation measured on a full core of the benchmark machine lasts in Lambda: stretched by the
 * function's CPU share, plus the AWS calls' latency.
 */
export function lambdaMilliseconds(
  measuredMs: number,
  memoryMb: number,
  awsCalls: number,
  awsCallMs: number,
): number {
  return Math.ceil(measuredMs * Math.max(1, FULL_VCPU_MB / memoryMb) + awsCalls * awsCallMs);
}

const awsCallsOf = (measured: MeasuredFunction) =>
  Object.values(measured.dynamodb).reduce((sum, usage) => sum + usage.calls, 0) +
  measured.sqsMessages +
  measured.websocketPosts;

const architectureOf = (fn: StackResource) =>
  String((fn.values.architectures as string[] | undefined)?.[0] ?? "x86_64");
const memoryGb = (fn: StackResource) => Number(fn.values.memory_size ?? 128) / 1024;

const lambda: ServiceEstimator = {
  service: "Lambda",
  prices: ["aws_lambda_function", "aws_lambda_alias", "aws_lambda_provisioned_concurrency_config"],
  estimate: (context) =>
    functionsOf(context).flatMap(({ name, fn }) => {
      const invocations = context.invocations.get(name);
      const measured = context.measured.functions[name];
      if (invocations === undefined || !measured) return [];
      const arch = architectureOf(fn);
      const gb = memoryGb(fn);
      const provisioned = provisionedConcurrencyOf(context.stack, fn);
      const memoryMb = gb * 1024;
      const calls = awsCallsOf(measured);
      // Billed duration is rounded up to the millisecond.
      const gbSeconds =
        (invocations *
          lambdaMilliseconds(measured.warmInvocationMs, memoryMb, calls, context.traffic.awsCallMs) *
          gb) /
        1000;
      const lines = [
        { item: "requests", quantity: invocations, priceKey: "lambda.requests", fixed: false },
        provisioned > 0
          ? {
              item: "duration on provisioned concurrency",
              quantity: gbSeconds,
              priceKey: `lambda.provisioned-duration.${arch}`,
              fixed: false,
            }
          : { item: "duration", quantity: gbSeconds, priceKey: `lambda.duration.${arch}`, fixed: false },
      ];
      if (provisioned > 0)
        lines.push({
          item: "provisioned concurrency",
          quantity: provisioned * gb * SECONDS_PER_MONTH,
          priceKey: `lambda.provisioned.${arch}`,
          fixed: true,
        });
      else {
        // A cold invocation lasts longer than a warm one by the INIT it pays.
        const initMs = lambdaMilliseconds(
          Math.max(0, measured.coldStartMs - measured.warmInvocationMs),
          memoryMb,
          0,
          0,
        );
        lines.push({
          item: "cold starts (INIT)",
          quantity: (invocations * context.traffic.coldStartShare * initMs * gb) / 1000,
          priceKey: `lambda.duration.${arch}`,
          fixed: false,
        });
      }
      return lines;
    }),
};

/** SQS requests: sends (per 64 KB chunk), each batch's receive and delete, and the pollers' empty receives. */
const sqs: ServiceEstimator = {
  service: "SQS",
  prices: ["aws_sqs_queue", "aws_lambda_event_source_mapping"],
  estimate: (context) => {
    const { traffic, requests } = context;
    const sends =
      requests * traffic.commandMessagesPerRequest * chunks(traffic.commandBytes, 65536) +
      functionsOf(context).reduce((sum, { name }) => {
        const measured = context.measured.functions[name];
        return (
          sum +
          (context.invocations.get(name) ?? 0) *
            (measured?.sqsMessages ?? 0) *
            chunks(measured?.sqsBytesPerMessage ?? 0, 65536)
        );
      }, 0);
    const batches = functionsOf(context)
      .filter(({ fn }) => isQueueConsumer(context.stack, fn))
      .reduce((sum, { name }) => sum + (context.invocations.get(name) ?? 0), 0);
    const mappings = resourcesOf(context.stack, "aws_lambda_event_source_mapping").length;
    return [
      { item: "sends", quantity: sends, priceKey: "sqs.requests", fixed: false },
      { item: "receives and deletes", quantity: 2 * batches, priceKey: "sqs.requests", fixed: false },
      {
        item: "pollers' empty receives",
        quantity: mappings * traffic.idleReceivesPerQueuePerMonth,
        priceKey: "sqs.requests",
        fixed: true,
      },
    ];
  },
};

const WRITES = new Set(["PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"]);

/** On-demand read and write units as measured per call, plus one write unit per global index per write. */
const dynamodb: ServiceEstimator = {
  service: "DynamoDB",
  prices: ["aws_dynamodb_table"],
  estimate: (context) => {
    let reads = 0;
    let writes = 0;
    const tables = resourcesOf(context.stack, "aws_dynamodb_table");
    for (const [name, invocations] of context.invocations) {
      for (const [key, usage] of Object.entries(context.measured.functions[name]?.dynamodb ?? {})) {
        const [operation = "", suffix = ""] = key.split(" ");
        if (!WRITES.has(operation)) {
          reads += invocations * usage.capacityUnits;
          continue;
        }
        const table = tables.find((candidate) => candidate.values.name === `${context.namePrefix}-${suffix}`);
        const indexes = ((table?.values.global_secondary_index as unknown[] | undefined) ?? []).length;
        writes += invocations * (usage.capacityUnits + usage.calls * indexes);
      }
    }
    return [
      {
        item: "write request units",
        quantity: writes,
        priceKey: "dynamodb.write-request-units",
        fixed: false,
      },
      { item: "read request units", quantity: reads, priceKey: "dynamodb.read-request-units", fixed: false },
    ];
  },
};

const websocketRouteFunctions = (context: CostContext) =>
  resourcesOf(context.stack, "aws_apigatewayv2_integration").flatMap((integration) => {
    const target = findFunction(context.stack, integration.values.integration_uri);
    return target ? [String(target.fn.values.function_name).slice(context.namePrefix.length + 1)] : [];
  });

const apiGateway: ServiceEstimator = {
  service: "API Gateway",
  prices: [
    "aws_api_gateway_rest_api",
    "aws_api_gateway_stage",
    "aws_apigatewayv2_api",
    "aws_apigatewayv2_stage",
  ],
  estimate: (context) => {
    const { traffic, requests } = context;
    const lines = [];
    if (resourcesOf(context.stack, "aws_api_gateway_rest_api").length > 0)
      lines.push({
        item: "REST requests",
        quantity: requests * traffic.restCallsPerRequest,
        priceKey: "apigateway.rest.requests",
        fixed: false,
      });
    if (
      resourcesOf(context.stack, "aws_apigatewayv2_api").some(
        (api) => api.values.protocol_type === "WEBSOCKET",
      )
    ) {
      const pushed = [...context.invocations].reduce((sum, [name, invocations]) => {
        const measured = context.measured.functions[name];
        return (
          sum +
          invocations * (measured?.websocketPosts ?? 0) * chunks(measured?.websocketBytesPerPost ?? 0, 32768)
        );
      }, 0);
      lines.push(
        {
          item: "WebSocket messages",
          quantity: pushed + requests * traffic.websocket.inboundMessagesPerRequest,
          priceKey: "apigateway.websocket.messages",
          fixed: false,
        },
        {
          item: "WebSocket connection minutes",
          quantity:
            requests * traffic.websocket.connectionsPerRequest * traffic.websocket.minutesPerConnection,
          priceKey: "apigateway.websocket.connection-minutes",
          fixed: false,
        },
      );
    }
    return lines;
  },
};

/**
 * Keys by the month; requests from SQS (a data key per reuse period per sending and per receiving principal, the
 * formula of SQS's documentation) and DynamoDB (a table key refreshed every five minutes).
 */
const kms: ServiceEstimator = {
  service: "KMS",
  prices: ["aws_kms_key"],
  estimate: (context) => {
    const { stack } = context;
    const sqsRequests = resourcesOf(stack, "aws_sqs_queue")
      .filter((queue) => queue.values.kms_master_key_id)
      .reduce(
        (sum, queue) =>
          sum + (SECONDS_PER_MONTH / Number(queue.values.kms_data_key_reuse_period_seconds ?? 300)) * 2 * 2,
        0,
      );
    const tableRequests =
      resourcesOf(stack, "aws_dynamodb_table").filter(
        (table) => (table.values.server_side_encryption as { kms_key_arn?: string } | undefined)?.kms_key_arn,
      ).length *
      (SECONDS_PER_MONTH / (5 * MINUTE));
    return [
      {
        item: "customer managed keys",
        quantity: resourcesOf(stack, "aws_kms_key").length,
        priceKey: "kms.keys",
        fixed: true,
      },
      {
        item: "requests from SQS and DynamoDB",
        quantity: sqsRequests + tableRequests,
        priceKey: "kms.requests",
        fixed: true,
      },
    ];
  },
};

/** API Gateway's detailed metrics per method and stage: Count, Latency, IntegrationLatency, 4XXError, 5XXError (cache metrics only with caching). */
const DETAILED_METRICS_PER_METHOD = 5;

const cloudwatch: ServiceEstimator = {
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
      {
        item: "dashboards",
        quantity: resourcesOf(stack, "aws_cloudwatch_dashboard").length,
        priceKey: "cloudwatch.dashboards",
        fixed: true,
      },
    ];
  },
};

const waf: ServiceEstimator = {
  service: "WAF",
  prices: ["aws_wafv2_web_acl", "aws_wafv2_web_acl_association"],
  estimate: (context) => {
    const acls = resourcesOf(context.stack, "aws_wafv2_web_acl");
    const rules = acls.reduce(
      (sum, acl) =>
        sum +
        (acl.values.rule_json
          ? (JSON.parse(String(acl.values.rule_json)) as unknown[]).length
          : ((acl.values.rule as unknown[] | undefined) ?? []).length),
      0,
    );
    const inspected =
      resourcesOf(context.stack, "aws_wafv2_web_acl_association").length > 0
        ? context.requests * context.traffic.restCallsPerRequest
        : 0;
    return acls.length === 0
      ? []
      : [
          { item: "web ACLs", quantity: acls.length, priceKey: "waf.web-acls", fixed: true },
          { item: "rules", quantity: rules, priceKey: "waf.rules", fixed: true },
          { item: "requests inspected", quantity: inspected, priceKey: "waf.requests", fixed: false },
        ];
  },
};

/** Traces recorded: each REST request starts one (it spans the functions it reaches); each WebSocket route invocation starts its own. */
const xray: ServiceEstimator = {
  service: "X-Ray",
  prices: [],
  estimate: (context) => {
    const traced = resourcesOf(context.stack, "aws_lambda_function").some(
      (fn) => (fn.values.tracing_config as { mode?: string } | undefined)?.mode === "Active",
    );
    if (!traced) return [];
    const starts =
      context.requests * context.traffic.restCallsPerRequest +
      websocketRouteFunctions(context).reduce((sum, name) => sum + (context.invocations.get(name) ?? 0), 0);
    const { reservoirPerSecond, rate } = context.traffic.tracing;
    const perSecond = starts / SECONDS_PER_MONTH;
    const sampled =
      (Math.min(perSecond, reservoirPerSecond) + rate * Math.max(0, perSecond - reservoirPerSecond)) *
      SECONDS_PER_MONTH;
    return [{ item: "traces recorded", quantity: sampled, priceKey: "xray.traces", fixed: false }];
  },
};

/**
 * Resource types that cost nothing by themselves: identity, policies, aliases of keys, an API's parts (its
 * requests are priced), the account-level settings, and the alarm topic (a few e-mails a month, within SNS's free
 * tier). Anything else in a stack needs an estimator.
 */
export const FREE_RESOURCE_TYPES: readonly string[] = [
  "aws_iam_role",
  "aws_iam_role_policy",
  "aws_kms_alias",
  "aws_lambda_permission",
  "aws_sqs_queue_policy",
  "aws_sqs_queue_redrive_allow_policy",
  "aws_sns_topic",
  "aws_sns_topic_subscription",
  "aws_api_gateway_account",
  "aws_api_gateway_api_key",
  "aws_api_gateway_deployment",
  "aws_api_gateway_gateway_response",
  "aws_api_gateway_integration",
  "aws_api_gateway_integration_response",
  "aws_api_gateway_method",
  "aws_api_gateway_method_response",
  "aws_api_gateway_model",
  "aws_api_gateway_request_validator",
  "aws_api_gateway_resource",
  "aws_api_gateway_usage_plan",
  "aws_api_gateway_usage_plan_key",
  "aws_apigatewayv2_integration",
  "aws_apigatewayv2_route",
];

/** Every service priced, in the order the breakdown lists them. */
export const ESTIMATORS: readonly ServiceEstimator[] = [
  apiGateway,
  sqs,
  lambda,
  dynamodb,
  kms,
  cloudwatch,
  waf,
  xray,
];

/** The monthly cost of `input.stack` at `input.requests` requests, line by line and per service. */
export function estimateCost(input: EstimateInput, estimators = ESTIMATORS): Estimate {
  if (!(Number.isFinite(input.requests) && input.requests >= 0))
    throw new Error(`requests must be a non-negative number, got ${input.requests}`);
  const notes: string[] = [];
  const priced = new Set([...FREE_RESOURCE_TYPES, ...estimators.flatMap((estimator) => estimator.prices)]);
  for (const type of Object.keys(input.stack.resource).sort())
    if (!priced.has(type) && resourcesOf(input.stack, type).length > 0)
      notes.push(`${type}: no estimator prices it (add one in cost/model.ts), so it is not in the total`);
  const invocations = new Map<string, number>();
  for (const { name, fn } of functionsOf(input)) {
    const perRequest = input.traffic.invocationsPerRequest[name];
    if (perRequest === undefined) {
      notes.push(
        `${fn.values.function_name}: no invocations-per-request figure in the traffic model, so not priced`,
      );
      continue;
    }
    if (!input.measured.functions[name])
      notes.push(
        `${fn.values.function_name}: not measured (npm run bench), so its duration and calls are not priced`,
      );
    const batch = isQueueConsumer(input.stack, fn) ? input.traffic.recordsPerBatch : 1;
    invocations.set(name, (input.requests * perRequest) / batch);
  }
  const price = (key: string): Price => {
    const found = input.prices.prices[key];
    if (!found)
      throw new Error(
        `The price table (${input.prices.region}, ${input.prices.checked}) has no row "${key}"`,
      );
    return found;
  };
  const context: CostContext = { ...input, invocations, price, note: (text) => notes.push(text) };
  const lines = estimators.flatMap((estimator) =>
    mergeLines(
      estimator.estimate(context).map((line) => {
        const { usd, per, unit } = price(line.priceKey);
        return {
          service: estimator.service,
          item: line.item,
          quantity: line.quantity,
          unit,
          usd: (line.quantity / per) * usd,
          fixed: line.fixed,
        };
      }),
    ),
  );
  const byService: Record<string, number> = {};
  for (const line of lines) byService[line.service] = (byService[line.service] ?? 0) + line.usd;
  const totalUsd = lines.reduce((sum, line) => sum + line.usd, 0);
  const fixedUsd = lines.filter((line) => line.fixed).reduce((sum, line) => sum + line.usd, 0);
  const millions = input.requests / 1e6;
  return {
    environment: input.environment,
    requests: input.requests,
    lines,
    byService,
    totalUsd,
    fixedUsd,
    perMillionUsd: millions > 0 ? totalUsd / millions : Number.NaN,
    marginalPerMillionUsd: millions > 0 ? (totalUsd - fixedUsd) / millions : Number.NaN,
    notes,
    pricesChecked: input.prices.checked,
    region: input.prices.region,
    measuredAt: input.measured.measuredAt,
  };
}

/** One line per service and item: the functions' lines of one kind add up. */
function mergeLines(lines: CostLine[]): CostLine[] {
  const merged = new Map<string, CostLine>();
  for (const line of lines) {
    const key = `${line.item}\0${line.unit}`;
    const existing = merged.get(key);
    merged.set(
      key,
      existing
        ? { ...existing, quantity: existing.quantity + line.quantity, usd: existing.usd + line.usd }
        : line,
    );
  }
  return [...merged.values()];
}
