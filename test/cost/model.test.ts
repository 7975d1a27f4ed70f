// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the hand-made stack holds Terraform references
import { readFileSync } from "node:fs";
import {
  type CostLine,
  type EstimateInput,
  estimateCost,
  lambdaMilliseconds,
  type MeasuredFunction,
  type MeasuredUsage,
  type PriceTable,
  SECONDS_PER_MONTH,
  type Traffic,
} from "../../cost/model.ts";
import { renderMarkdown } from "../../cost/render.ts";
import { runsPerMonth } from "../../cost/stack-usage.ts";
import { serviceTraffic } from "../../cost/traffic.ts";
import type { StackJson } from "../../synthesized/stack-json.ts";
import { synthesizedStack } from "../support/synthesized.ts";

/**
 * A small stack made by hand: a REST API with detailed metrics and a WAF, one queue feeding one function that
 * writes a table with one global index, a key, a log group, two alarms and a dashboard.
 */
function smallStack(options: { provisioned?: number } = {}): StackJson {
  return {
    terraform: {},
    provider: {},
    resource: {
      aws_api_gateway_rest_api: { api: { name: "t-api" } },
      aws_api_gateway_stage: { stage: { access_log_settings: { format: "x".repeat(100) } } },
      aws_api_gateway_method: { get: { http_method: "GET" }, options: { http_method: "OPTIONS" } },
      aws_api_gateway_method_settings: { all: { settings: { metrics_enabled: true } } },
      aws_wafv2_web_acl: { acl: { rule_json: JSON.stringify([{ Name: "rate" }, { Name: "common" }]) } },
      aws_wafv2_web_acl_association: { association: {} },
      aws_kms_key: { key: {} },
      aws_sqs_queue: {
        work: {
          name: "t-work",
          kms_master_key_id: "${aws_kms_key.key.arn}",
          kms_data_key_reuse_period_seconds: 86400,
        },
      },
      aws_lambda_function: {
        work: {
          function_name: "t-work",
          architectures: ["arm64"],
          memory_size: 2048,
          tracing_config: { mode: "Active" },
        },
      },
      aws_lambda_alias: {
        work: { name: "live", function_name: "${aws_lambda_function.work.function_name}" },
      },
      aws_lambda_event_source_mapping: {
        work: {
          event_source_arn: "${aws_sqs_queue.work.arn}",
          function_name: "${aws_lambda_alias.work.arn}",
        },
      },
      ...(options.provisioned
        ? {
            aws_lambda_provisioned_concurrency_config: {
              work: {
                function_name: "${aws_lambda_function.work.function_name}",
                qualifier: "${aws_lambda_alias.work.name}",
                provisioned_concurrent_executions: options.provisioned,
              },
            },
          }
        : {}),
      aws_dynamodb_table: {
        items: {
          name: "t-items",
          global_secondary_index: [{ name: "by-owner" }],
          server_side_encryption: { enabled: true, kms_key_arn: "${aws_kms_key.key.arn}" },
        },
      },
      aws_cloudwatch_log_group: { work: { retention_in_days: 30 } },
      aws_cloudwatch_metric_alarm: {
        errors: { metric_name: "Errors" },
        ratio: { metric_query: [{ metric: {} }, { metric: {} }, { expression: "m1/m2" }] },
      },
      aws_cloudwatch_dashboard: { main: {} },
    },
  } as unknown as StackJson;
}

const perMillion = (usd: number) => ({ usd, per: 1_000_000, unit: "requests" });
const perUnit = (usd: number, unit = "units") => ({ usd, per: 1, unit });

/** Round prices, so every figure below can be checked with pencil and paper. */
const PRICES: PriceTable = {
  region: "test-1",
  currency: "USD",
  checked: "2026-01-01",
  sources: {},
  prices: {
    "lambda.requests": perMillion(0.2),
    "lambda.duration.arm64": perUnit(0.00001, "GB-seconds"),
    "lambda.provisioned.arm64": perUnit(0.000004, "GB-seconds provisioned"),
    "lambda.provisioned-duration.arm64": perUnit(0.000008, "GB-seconds on provisioned capacity"),
    "apigateway.rest.requests": perMillion(3.5),
    "sqs.requests": perMillion(0.4),
    "dynamodb.write-request-units": perMillion(1),
    "dynamodb.read-request-units": perMillion(0.25),
    "kms.keys": perUnit(1),
    "kms.requests": { usd: 0.03, per: 10_000, unit: "requests" },
    "cloudwatch.logs.ingestion": perUnit(0.5, "GB"),
    "cloudwatch.logs.storage": perUnit(0.03, "GB-months"),
    "cloudwatch.metrics": perUnit(0.3),
    "cloudwatch.alarms": perUnit(0.1),
    "cloudwatch.dashboards": perUnit(3),
    "waf.web-acls": perUnit(5),
    "waf.rules": perUnit(1),
    "waf.requests": perMillion(0.6),
    "xray.traces": perMillion(5),
  },
};

const MEASURED: MeasuredUsage = {
  measuredAt: "2026-01-02",
  functions: {
    work: {
      coldStartMs: 109.2,
      warmInvocationMs: 9.2,
      dynamodb: { "PutItem items": { calls: 1, capacityUnits: 2 } },
      sqsMessages: 1,
      sqsBytesPerMessage: 70_000,
      websocketPosts: 0,
      websocketBytesPerPost: 0,
      logBytes: 500,
      metrics: ["Test/Done/service", "Test/Failed/service"],
    },
  },
};

const TRAFFIC: Traffic = {
  invocationsPerRequest: { work: 1 },
  restCallsPerRequest: 1,
  commandMessagesPerRequest: 1,
  commandBytes: 1000,
  websocket: { connectionsPerRequest: 0, minutesPerConnection: 0, inboundMessagesPerRequest: 0 },
  recordsPerBatch: 2,
  coldStartShare: 0.1,
  awsCallMs: 5,
  idleReceivesPerQueuePerMonth: 1000,
  tracing: { reservoirPerSecond: 0, rate: 0.1 },
  identity: { requestsPerActiveUser: 100, freeActiveUsers: 10_000, machineTokensPerClientPerMonth: 720 },
  domainEvents: { changesPerRequest: 0.5, eventBytes: 1000 },
  site: {
    pageLoadsPerRequest: 0.1,
    filesPerPageLoad: 5,
    bytesPerPageLoad: 1024 ** 3 / 1000,
    originFetchShare: 0.2,
    storedBytes: 1024 ** 3,
    accessLogBytesPerFetch: 1000,
  },
  imports: { filesPerRequest: 0, bytesPerFile: 0 },
};

const input = (changes: Partial<EstimateInput> = {}): EstimateInput => ({
  environment: "test",
  stack: smallStack(),
  namePrefix: "t",
  requests: 2_000_000,
  prices: PRICES,
  measured: MEASURED,
  traffic: TRAFFIC,
  ...changes,
});

const line = (lines: readonly CostLine[], service: string, item: string) => {
  const found = lines.find((candidate) => candidate.service === service && candidate.item === item);
  if (!found) throw new Error(`no line ${service}: ${item}`);
  return found;
};

describe("the cost model on a small stack, worked by hand", () => {
  const estimate = estimateCost(input());
  const { lines } = estimate;

  it("prices Lambda from the measured durations, stretched to the function's CPU share, plus its AWS calls", () => {
    // 2,000,000 requests, one record each, two records per batch: 1,000,000 invocations.
    expect(line(lines, "Lambda", "requests")).toMatchObject({ quantity: 1_000_000 });
    expect(line(lines, "Lambda", "requests").usd).toBeCloseTo(0.2, 10);
    // 2048 MB is above one vCPU's 1769 MB, so no stretch: 9.2 ms + 2 calls x 5 ms = 19.2, billed 20 ms.
    // 1,000,000 x 0.020 s x 2 GB = 40,000 GB-s at $0.00001.
    expect(line(lines, "Lambda", "duration").quantity).toBeCloseTo(40_000, 6);
    expect(line(lines, "Lambda", "duration").usd).toBeCloseTo(0.4, 10);
    // A tenth start cold and pay 109.2 - 9.2 = 100 ms more: 100,000 x 0.1 s x 2 GB = 20,000 GB-s.
    expect(line(lines, "Lambda", "cold starts (INIT)").quantity).toBeCloseTo(20_000, 6);
    expect(estimate.byService.Lambda).toBeCloseTo(0.8, 10);
  });

  it("stretches a measured duration below 1769 MB by the CPU share Lambda gives", () => {
    // 10 ms on a full core at 512 MB: 10 x 1769 / 512 = 34.55, + 3 calls x 5 ms = 49.55, billed 50 ms.
    expect(lambdaMilliseconds(10, 512, 3, 5)).toBe(50);
    expect(lambdaMilliseconds(10, 1769, 0, 5)).toBe(10);
  });

  it("counts SQS requests in 64 KB chunks, each batch's receive and delete, and the idle pollers", () => {
    // Commands: 2,000,000 x 1 chunk of 1000 B; outcomes: 1,000,000 x 2 chunks of 70,000 B.
    expect(line(lines, "SQS", "sends").quantity).toBe(4_000_000);
    expect(line(lines, "SQS", "receives and deletes").quantity).toBe(2_000_000);
    expect(line(lines, "SQS", "pollers' empty receives")).toMatchObject({ quantity: 1000, fixed: true });
    // (4,000,000 + 2,000,000 + 1000) x $0.40 per million.
    expect(estimate.byService.SQS).toBeCloseTo(2.4004, 10);
  });

  it("charges DynamoDB the measured units plus one write unit per global index per write", () => {
    // 1,000,000 puts of 2 WRU, each also written to the one index: 3,000,000 WRU at $1 per million.
    expect(line(lines, "DynamoDB", "write request units").quantity).toBe(3_000_000);
    expect(line(lines, "DynamoDB", "read request units").quantity).toBe(0);
    expect(estimate.byService.DynamoDB).toBeCloseTo(3, 10);
  });

  it("charges API Gateway per REST request and KMS per key and per data-key request", () => {
    expect(estimate.byService["API Gateway"]).toBeCloseTo(7, 10);
    // Queue: 30.4375 days / 1-day reuse x 2 principals x 2 calls = 121.75; table: 2,629,800 s / 300 s = 8766.
    expect(line(lines, "KMS", "requests from SQS and DynamoDB").quantity).toBeCloseTo(8887.75, 6);
    expect(estimate.byService.KMS).toBeCloseTo(1 + (8887.75 * 0.03) / 10_000, 10);
  });

  it("charges CloudWatch for logs from the measured bytes and access-log formats, metrics, alarms and dashboards", () => {
    // 1,000,000 x 500 B of function logs + 2,000,000 x 100 B of access logs = 0.7 GB.
    expect(line(lines, "CloudWatch", "logs ingested").quantity).toBeCloseTo(0.7, 10);
    // Kept 30 days: 0.7 GB x 30 / 30.4375 months.
    expect(line(lines, "CloudWatch", "logs stored (steady state over the retention)").quantity).toBeCloseTo(
      (0.7 * 30) / 30.4375,
      10,
    );
    expect(line(lines, "CloudWatch", "custom metrics (EMF)").quantity).toBe(2);
    // Two methods x five detailed metrics.
    expect(line(lines, "CloudWatch", "REST detailed metrics").quantity).toBe(10);
    // One single-metric alarm and a metric-math alarm over two metrics.
    expect(line(lines, "CloudWatch", "alarm metrics").quantity).toBe(3);
    expect(estimate.byService.CloudWatch).toBeCloseTo(
      0.35 + (0.7 * 30 * 0.03) / 30.4375 + 0.6 + 3 + 0.3 + 3,
      10,
    );
  });

  it("charges WAF per ACL, rule and inspected request, and X-Ray per sampled trace", () => {
    expect(estimate.byService.WAF).toBeCloseTo(5 + 2 + 1.2, 10);
    // No reservoir, a tenth of 2,000,000 requests traced, at $5 per million.
    expect(line(lines, "X-Ray", "traces recorded").quantity).toBeCloseTo(200_000, 6);
    expect(estimate.byService["X-Ray"]).toBeCloseTo(1, 10);
  });

  it("adds up to the total, its fixed part and the cost per million requests", () => {
    const total =
      0.8 + 2.4004 + 3 + 7 + (1 + 0.02666325) + (0.35 + (0.7 * 30 * 0.03) / 30.4375 + 6.9) + 8.2 + 1;
    expect(estimate.totalUsd).toBeCloseTo(total, 8);
    expect(estimate.fixedUsd).toBeCloseTo(0.0004 + 1.02666325 + 0.6 + 3 + 0.3 + 3 + 5 + 2, 8);
    expect(estimate.perMillionUsd).toBeCloseTo(total / 2, 8);
    expect(estimate.marginalPerMillionUsd).toBeCloseTo((total - estimate.fixedUsd) / 2, 8);
  });
});

describe("the cost model's other paths", () => {
  it("prices provisioned concurrency by the month and its invocations at the provisioned duration price", () => {
    const { lines } = estimateCost(input({ stack: smallStack({ provisioned: 3 }) }));
    // 3 environments x 2 GB for a whole month, at $0.000004 per GB-s.
    expect(line(lines, "Lambda", "provisioned concurrency")).toMatchObject({ fixed: true });
    expect(line(lines, "Lambda", "provisioned concurrency").usd).toBeCloseTo(
      3 * 2 * SECONDS_PER_MONTH * 0.000004,
      8,
    );
    expect(line(lines, "Lambda", "duration on provisioned concurrency").usd).toBeCloseTo(
      40_000 * 0.000008,
      10,
    );
    expect(lines.some((candidate) => candidate.item === "cold starts (INIT)")).toBe(false);
  });

  it("prices the site: CloudFront requests, bytes out and access logs per page load, S3 storage and origin reads", () => {
    const stack = smallStack();
    stack.resource.aws_cloudfront_distribution = { site: { web_acl_id: "${aws_wafv2_web_acl.site.arn}" } };
    stack.resource.aws_cloudwatch_log_delivery = { site: {} };
    stack.resource.aws_s3_bucket = { site: { bucket: "t-site" } };
    stack.resource.aws_s3_object = { index: { key: "index.html" }, app: { key: "app.0123456789.js" } };
    const prices: PriceTable = {
      ...PRICES,
      prices: {
        ...PRICES.prices,
        "cloudfront.https-requests": { usd: 0.01, per: 10_000, unit: "HTTPS requests" },
        "cloudfront.data-out": { usd: 0.1, per: 1, unit: "GB transferred out" },
        "cloudfront.vended-logs": { usd: 0.5, per: 1, unit: "GB of access logs delivered" },
        "s3.storage": { usd: 0.02, per: 1, unit: "GB-months stored" },
        "s3.get-requests": { usd: 0.0004, per: 1000, unit: "GET requests" },
      },
    };
    const site = estimateCost(input({ stack, prices }));
    const without = estimateCost(input({ prices }));
    // 2,000,000 requests, a page load per ten, five files per load, a thousandth of a GiB per load.
    expect(line(site.lines, "CloudFront", "HTTPS requests").quantity).toBeCloseTo(1_000_000, 6);
    expect(line(site.lines, "CloudFront", "data transfer out").quantity).toBeCloseTo(200, 6);
    expect(line(site.lines, "CloudFront", "access logs delivered").quantity).toBeCloseTo(1e9 / 1024 ** 3, 6);
    expect(site.byService.CloudFront).toBeCloseTo(1 + 20 + (0.5 * 1e9) / 1024 ** 3, 6);
    expect(line(site.lines, "S3", "reads from CloudFront (origin fetches)").quantity).toBeCloseTo(200_000, 6);
    expect(site.byService.S3).toBeCloseTo(0.02 + 0.08, 6);
    // The CloudFront web ACL inspects every fetch of the site, besides the API's requests.
    expect(line(site.lines, "WAF", "requests inspected").quantity).toBeCloseTo(
      line(without.lines, "WAF", "requests inspected").quantity + 1_000_000,
      6,
    );
    expect(site.notes.filter((note) => /cloudfront|s3/i.test(note))).toEqual([]);
  });

  it("says which function it cannot price instead of guessing", () => {
    const estimate = estimateCost(input({ traffic: { ...TRAFFIC, invocationsPerRequest: {} } }));
    expect(estimate.notes).toEqual([
      "t-work: no invocations-per-request figure in the traffic model, so not priced",
    ]);
    expect(estimate.byService.Lambda ?? 0).toBe(0);
  });

  it("names a resource type no estimator prices, so a new service cannot slip into the stack unpriced", () => {
    const stack = smallStack();
    stack.resource.aws_sfn_state_machine = { machine: { name: "t-flow" } };
    expect(estimateCost(input({ stack })).notes).toEqual([
      "aws_sfn_state_machine: no estimator prices it (add one in cost/estimators/), so it is not in the total",
    ]);
  });

  it("refuses a price table that lacks a row it needs, naming the row", () => {
    const { "waf.rules": _dropped, ...prices } = PRICES.prices;
    expect(() => estimateCost(input({ prices: { ...PRICES, prices } }))).toThrow(
      'The price table (test-1, 2026-01-01) has no row "waf.rules"',
    );
  });

  it("refuses a negative number of requests", () => {
    expect(() => estimateCost(input({ requests: -1 }))).toThrow(
      "requests must be a non-negative number, got -1",
    );
  });

  it("shows how an estimate moved against the base branch's", () => {
    const base = estimateCost(input());
    const now = estimateCost(input({ stack: smallStack({ provisioned: 1 }) }));
    const markdown = renderMarkdown(now, base);
    const moved = now.totalUsd - base.totalUsd;
    expect(moved).toBeGreaterThan(0);
    expect(markdown).toContain(`+$${moved.toFixed(2)} a month against the base branch`);
    expect(markdown).toMatch(/\| Lambda \| \$\d+\.\d{2} \| \+\$\d+\.\d{2} \|/);
    expect(markdown).toMatch(/\| SQS \| \$2\.40 \| ±\$0\.00 \|/);
  });
});

describe("the shipped figures", () => {
  const prices = JSON.parse(readFileSync("cost/prices.eu-west-1.json", "utf8")) as PriceTable;
  const measured = JSON.parse(readFileSync("cost/measured-usage.json", "utf8")) as MeasuredUsage;

  it("price every environment's stack with a dated table and measured figures, leaving nothing unpriced", () => {
    expect(prices.checked).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    for (const environment of ["dev", "staging", "prod"]) {
      const estimate = estimateCost({
        environment,
        stack: synthesizedStack(environment),
        namePrefix: `crud-${environment}`,
        requests: 1_000_000,
        prices,
        measured,
        traffic: serviceTraffic(),
      });
      expect(estimate.notes, environment).toEqual([]);
      for (const service of ["API Gateway", "SQS", "Lambda", "DynamoDB", "KMS", "CloudWatch", "X-Ray"])
        expect(estimate.byService[service], `${environment} ${service}`).toBeGreaterThan(0);
      expect(estimate.byService.WAF ?? 0, environment).toEqual(
        environment === "dev" ? 0 : expect.any(Number),
      );
    }
  });
});

describe("scheduled functions", () => {
  /** The small stack plus a job its schedule invokes through its alias, `expression` apart. */
  function withSchedule(expression: string, state = "ENABLED"): StackJson {
    const stack = smallStack();
    stack.resource.aws_lambda_function = {
      ...stack.resource.aws_lambda_function,
      job: { function_name: "t-job", architectures: ["arm64"], memory_size: 1024 },
    };
    stack.resource.aws_lambda_alias = {
      ...stack.resource.aws_lambda_alias,
      job: { name: "live", function_name: "${aws_lambda_function.job.function_name}" },
    };
    stack.resource.aws_scheduler_schedule = {
      job: { schedule_expression: expression, state, target: { arn: "${aws_lambda_alias.job.arn}" } },
    };
    stack.resource.aws_scheduler_schedule_group = { jobs: { name: "t-jobs" } };
    return stack;
  }
  const measured: MeasuredUsage = {
    ...MEASURED,
    functions: {
      ...MEASURED.functions,
      job: { ...(MEASURED.functions.work as MeasuredFunction), sqsMessages: 0 },
    },
  };
  const prices: PriceTable = {
    ...PRICES,
    prices: { ...PRICES.prices, "scheduler.invocations": perMillion(1) },
  };

  it.each([
    ["rate(5 minutes)", 30.4375 * 288],
    ["cron(0 3 * * ? *)", 30.4375],
    ["cron(0 6 ? * MON *)", 30.4375 / 7],
    // Four an hour, nine hours (9 to 17), five days of seven.
    ["cron(0/15 9-17 ? * MON-FRI *)", 4 * 9 * ((30.4375 * 5) / 7)],
    ["cron(30 8 ? * MON,THU *)", (30.4375 * 2) / 7],
  ])("runs %s about %f times a month", (expression, runs) => {
    expect(runsPerMonth(expression)).toBeCloseTo(runs, 6);
  });

  it("prices a job by its schedule's runs, as a fixed cost, whatever the traffic", () => {
    for (const requests of [0, 5_000_000]) {
      const estimate = estimateCost(
        input({ stack: withSchedule("rate(5 minutes)"), measured, prices, requests }),
      );
      expect(estimate.notes).toEqual([]);
      expect(line(estimate.lines, "EventBridge Scheduler", "scheduled invocations")).toMatchObject({
        quantity: 30.4375 * 288,
        fixed: true,
      });
    }
    // The job's Lambda requests are fixed: the difference between the two traffic levels is the work function's.
    const idle = estimateCost(
      input({ stack: withSchedule("rate(5 minutes)"), measured, prices, requests: 0 }),
    );
    expect(idle.fixedUsd).toBeGreaterThan(estimateCost(input({ measured, prices, requests: 0 })).fixedUsd);
  });

  it("does not price a disabled schedule's runs", () => {
    const estimate = estimateCost(
      input({ stack: withSchedule("rate(5 minutes)", "DISABLED"), measured, prices }),
    );
    expect(estimate.lines.some((candidate) => candidate.service === "EventBridge Scheduler")).toBe(false);
  });
});
