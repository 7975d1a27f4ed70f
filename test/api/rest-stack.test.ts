import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { Testing } from "cdktf";
import type { EnvironmentConfig } from "../../environments/environment-config.ts";
import { ENVIRONMENT_NAMES, ENVIRONMENTS } from "../../environments/index.ts";
import { RestApi } from "../../stacks/constructs/rest-api.ts";
import { COMMAND_ROUTES, REQUEST_MODELS } from "../../stacks/rest-models.ts";
import { allowedActions, parsePolicy } from "../support/policies.ts";
import { resourcesOfType, synthesizedStack, type TerraformJson } from "../support/synthesized.ts";

const configOf = (name: string) => ENVIRONMENTS.find((config) => config.name === name) as EnvironmentConfig;
const only = (stack: TerraformJson, type: string) => {
  const all = Object.values(resourcesOfType(stack, type));
  expect(all, type).toHaveLength(1);
  return all[0] as Record<string, unknown>;
};
const refTo = (
  stack: TerraformJson,
  type: string,
  attribute: string,
  match: (resource: Record<string, unknown>) => boolean,
) => {
  const [id] = Object.entries(resourcesOfType(stack, type)).find(([, resource]) => match(resource)) ?? [];
  expect(id, `${type} match`).toBeDefined();
  return `\${${type}.${id}.${attribute}}`;
};

describe.each(ENVIRONMENT_NAMES)("the %s REST API", (environment) => {
  const stack = synthesizedStack(environment);
  const config = configOf(environment);
  const prefix = config.namePrefix;

  it("lets its integration role send only to the four command queues and read only outcomes", () => {
    const role = refTo(
      stack,
      "aws_iam_role",
      "id",
      (resource) => resource.name === `${prefix}-items-integrations`,
    );
    const policy = Object.values(resourcesOfType(stack, "aws_iam_role_policy")).find(
      (candidate) => candidate.role === role,
    );
    const queue = (name: string) =>
      refTo(stack, "aws_sqs_queue", "arn", (resource) => resource.name === `${prefix}-${name}`);
    const key = refTo(stack, "aws_kms_key", "arn", (resource) => resource.provider === undefined);
    expect(allowedActions(parsePolicy(policy?.policy)).sort()).toEqual(
      [
        ...["create", "read", "update", "delete"].map((name) => `sqs:SendMessage on ${queue(name)}`),
        `dynamodb:GetItem on ${refTo(stack, "aws_dynamodb_table", "arn", (resource) => resource.name === `${prefix}-requests`)}`,
        `kms:Decrypt on ${key}`,
        `kms:GenerateDataKey on ${key}`,
      ].sort(),
    );
  });

  it("throttles the stage and the API key's usage plan as configured", () => {
    const { throttlingBurstLimit, throttlingRateLimit } = config.restApi;
    expect(only(stack, "aws_api_gateway_usage_plan").throttle_settings).toEqual({
      burst_limit: throttlingBurstLimit,
      rate_limit: throttlingRateLimit,
    });
    expect(only(stack, "aws_api_gateway_method_settings")).toMatchObject({
      method_path: "*/*",
      settings: {
        metrics_enabled: true,
        data_trace_enabled: false,
        throttling_burst_limit: throttlingBurstLimit,
        throttling_rate_limit: throttlingRateLimit,
      },
    });
    expect(only(stack, "aws_api_gateway_usage_plan_key").key_type).toBe("API_KEY");
  });

  it("traces and writes JSON access logs to an encrypted log group", () => {
    const stage = only(stack, "aws_api_gateway_stage");
    expect(stage.xray_tracing_enabled).toBe(true);
    const settings = stage.access_log_settings as { destination_arn: string; format: string };
    expect(JSON.parse(settings.format)).toMatchObject({
      requestId: "$context.requestId",
      extendedRequestId: "$context.extendedRequestId",
      sourceIp: "$context.identity.sourceIp",
      status: "$context.status",
      responseLatency: "$context.responseLatency",
      integrationLatency: "$context.integrationLatency",
    });
    const logGroup = Object.entries(resourcesOfType(stack, "aws_cloudwatch_log_group")).find(
      ([id]) => settings.destination_arn === `\${aws_cloudwatch_log_group.${id}.arn}`,
    )?.[1];
    expect(logGroup).toMatchObject({
      name: `/aws/apigateway/${prefix}-items/v1`,
      kms_key_id: expect.stringMatching(/aws_kms_key/),
    });
  });

  it("redeploys when anything in the API changes, creating the new deployment first", () => {
    const deployment = only(stack, "aws_api_gateway_deployment");
    expect(deployment.lifecycle).toEqual({ create_before_destroy: true });
    const trigger = (deployment.triggers as { redeployment: string }).redeployment;
    expect(trigger).toMatch(/^\$\{sha1\(jsonencode\(\["[0-9a-f]{64}", /);
    for (const type of [
      "aws_api_gateway_method",
      "aws_api_gateway_integration",
      "aws_api_gateway_resource",
      "aws_api_gateway_gateway_response",
    ]) {
      for (const id of Object.keys(resourcesOfType(stack, type)))
        expect(trigger, `${type}.${id}`).toContain(`${type}.${id}.id`);
    }
  });

  it("has a web ACL on the stage exactly where configured", () => {
    const acls = Object.values(resourcesOfType(stack, "aws_wafv2_web_acl")).filter(
      (acl) => acl.scope === "REGIONAL",
    );
    if (!config.restApi.waf) {
      expect(acls).toEqual([]);
      return;
    }
    expect(acls).toHaveLength(1);
    const rules = JSON.parse(String(acls[0]?.rule_json));
    expect(rules.map((rule: { Name: string }) => rule.Name)).toEqual([
      "rate-limit-per-ip",
      "aws-common-rule-set",
    ]);
    expect(rules[0].Statement.RateBasedStatement).toEqual({
      Limit: config.restApi.waf.requestsPerFiveMinutesPerIp,
      AggregateKeyType: "IP",
    });
    expect(rules[0].Action).toEqual({
      Block: { CustomResponse: { ResponseCode: 429, CustomResponseBodyKey: "rate-limited" } },
    });
    const group = rules[1].Statement.ManagedRuleGroupStatement;
    expect(group).toMatchObject({ VendorName: "AWS", Name: "AWSManagedRulesCommonRuleSet" });
    const overrides = new Map(
      group.RuleActionOverrides.map((override: { Name: string; ActionToUse: unknown }) => [
        override.Name,
        override.ActionToUse,
      ]),
    );
    for (const bodyRule of [
      "SizeRestrictions_BODY",
      "CrossSiteScripting_BODY",
      "GenericLFI_BODY",
      "GenericRFI_BODY",
    ])
      expect(overrides.get(bodyRule)).toEqual({ Count: {} });
    expect(overrides.get("CrossSiteScripting_QUERYARGUMENTS")).toEqual({
      Block: { CustomResponse: { ResponseCode: 403, CustomResponseBodyKey: "blocked" } },
    });
    const bodies = (acls[0]?.custom_response_body ?? []) as Array<{ content: string; content_type: string }>;
    expect(bodies).toHaveLength(2);
    for (const body of bodies) {
      expect(body.content_type).toBe("APPLICATION_JSON");
      expect(JSON.parse(body.content)).toHaveProperty("error");
    }
    expect(only(stack, "aws_wafv2_web_acl_association").resource_arn).toMatch(
      /^\$\{aws_api_gateway_stage\.[\w-]+\.arn\}$/,
    );
  });

  it("alarms on server errors and p99 latency of the stage", () => {
    const alarms = Object.values(resourcesOfType(stack, "aws_cloudwatch_metric_alarm"));
    expect(alarms.find((alarm) => alarm.alarm_name === `${prefix}-items-5xx`)).toMatchObject({
      namespace: "AWS/ApiGateway",
      metric_name: "5XXError",
      dimensions: { ApiName: `${prefix}-items`, Stage: "v1" },
    });
    expect(alarms.find((alarm) => alarm.alarm_name === `${prefix}-items-p99-latency`)).toMatchObject({
      metric_name: "Latency",
      extended_statistic: "p99",
      threshold: config.restApi.latencyAlarmP99Ms,
    });
  });

  it("names its allowed origins in CORS, never * in prod", () => {
    const origins = config.restApi.corsAllowedOrigins;
    if (environment === "prod") expect(origins).not.toContain("*");
    for (const response of Object.values(resourcesOfType(stack, "aws_api_gateway_gateway_response"))) {
      const headers = response.response_parameters as Record<string, string> | undefined;
      expect(headers?.["gatewayresponse.header.Access-Control-Allow-Origin"]).toBe(`'${origins[0]}'`);
    }
  });
});

describe("the REST deployment trigger", () => {
  const build = (noise: number, origins: string[]) =>
    Testing.synthScope((scope) => {
      // Unrelated tokens created first shift the numbering of every token that follows.
      for (let index = 0; index < noise; index += 1)
        void new SqsQueue(scope, `noise-${index}`, { name: `noise-${index}` }).arn;
      const queues = new Map<string, SqsQueue>();
      const queue = (name: string) => {
        const existing = queues.get(name) ?? new SqsQueue(scope, name, { name: `crud-test-${name}` });
        queues.set(name, existing);
        return existing;
      };
      new RestApi(scope, "rest-api", {
        apiName: "crud-test-items",
        stageName: "v1",
        accountId: "111111111111",
        region: "eu-west-1",
        partition: "aws",
        key: {
          arn: "arn:aws:kms:eu-west-1:111111111111:key/test",
          region: "eu-west-1",
          dnsSuffix: "amazonaws.com",
        },
        logRetentionDays: 14,
        routes: COMMAND_ROUTES.map((route) => ({ ...route, queue: queue(route.queue) })),
        models: REQUEST_MODELS,
        userPoolArn: "arn:aws:cognito-idp:eu-west-1:111111111111:userpool/eu-west-1_test",
        outcomes: {
          path: "requests",
          scopes: ["items/read"],
          table: {
            name: "crud-test-requests",
            arn: "arn:aws:dynamodb:eu-west-1:111111111111:table/crud-test-requests",
          },
        },
        cors: { allowedOrigins: origins, allowedHeaders: ["Content-Type"], maxAgeSeconds: 600 },
        throttlingBurstLimit: 10,
        throttlingRateLimit: 5,
      });
    });
  const staticHash = (synthesized: string) => {
    const deployment = Object.values(JSON.parse(synthesized).resource.aws_api_gateway_deployment)[0] as {
      triggers: { redeployment: string };
    };
    return /jsonencode\(\["([0-9a-f]{64})"/.exec(deployment.triggers.redeployment)?.[1];
  };

  it("hashes only the API's literal definition: unrelated tokens do not move it, a template change does", () => {
    const plain = staticHash(build(0, ["https://a.example"]));
    expect(plain).toMatch(/^[0-9a-f]{64}$/);
    expect(staticHash(build(7, ["https://a.example"]))).toBe(plain);
    expect(staticHash(build(0, ["https://b.example"]))).not.toBe(plain);
  });
});
