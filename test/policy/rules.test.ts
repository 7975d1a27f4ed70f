import { Testing } from "cdktf";
import type { EnvironmentConfig } from "../../environments/environment-config.ts";
import { ENVIRONMENT_NAMES, ENVIRONMENTS } from "../../environments/index.ts";
import { evaluateStack, RULES } from "../../policy/index.ts";
import { DDB3 } from "../../policy/rules/DDB3.ts";
import { SUPPRESSIONS } from "../../policy/suppressions.ts";
import { PrivateBucket } from "../../stacks/constructs/private-bucket.ts";
import { attachedToBucket } from "../../synthesized/buckets.ts";
import { resourcesOf, type StackJson } from "../../synthesized/stack-json.ts";
import { synthesizedStack } from "../support/synthesized.ts";

const configOf = (name: string) => ENVIRONMENTS.find((config) => config.name === name) as EnvironmentConfig;
type Values = Record<string, unknown>;

/** Every resource of a type in a copy of the stack, to break. */
function each(stack: StackJson, type: string): Values[] {
  return Object.values(stack.resource[type] ?? {});
}
function first(stack: StackJson, type: string, match: (values: Values) => boolean = () => true): Values {
  const found = each(stack, type).find(match);
  if (!found) throw new Error(`no ${type} to break`);
  return found;
}
function rewritePolicy(values: Values, key: string, change: (document: { Statement: Values[] }) => void) {
  const document = JSON.parse(String(values[key]));
  change(document);
  values[key] = JSON.stringify(document);
}
/**
 * A configuration resource of the stack's first bucket; a stack without buckets first gets a compliant
 * `PrivateBucket` on its own key, so each S3 rule is proven on what the construct makes.
 */
function bucketPart(stack: StackJson, type: string): Values {
  if (resourcesOf(stack, "aws_s3_bucket").length === 0) {
    const key = resourcesOf(stack, "aws_kms_key")[0];
    const added = JSON.parse(
      Testing.synthScope((scope) => {
        new PrivateBucket(scope, "added", {
          bucketName: "added-bucket",
          kmsKeyArn: `\${${key?.address}.arn}`,
        });
      }),
    ) as StackJson;
    for (const [addedType, resources] of Object.entries(added.resource))
      stack.resource[addedType] = { ...stack.resource[addedType], ...resources };
  }
  const bucket = resourcesOf(stack, "aws_s3_bucket")[0];
  const part = bucket && attachedToBucket(stack, type, bucket)[0];
  if (!part) throw new Error(`no ${type} to break`);
  return part.values;
}
const functionRole = (stack: StackJson) =>
  first(stack, "aws_iam_role_policy", (policy) => String(policy.policy).includes("WriteOwnLogs"));

/**
 * For each rule, one way to break a real synthesized stack that the rule must catch. The environment is
 * the one where the rule applies (prod for prod-only rules, staging for WAF).
 */
const BREAKS: Record<string, { environment: string; apply: (stack: StackJson) => void }> = {
  SQS1: { environment: "dev", apply: (stack) => delete first(stack, "aws_sqs_queue").kms_master_key_id },
  SQS2: {
    environment: "dev",
    apply: (stack) =>
      delete first(stack, "aws_sqs_queue", (queue) => queue.redrive_policy !== undefined).redrive_policy,
  },
  SQS3: {
    environment: "dev",
    apply: (stack) => {
      const queue = first(stack, "aws_sqs_queue", (candidate) => candidate.redrive_policy !== undefined);
      queue.redrive_policy = JSON.stringify({
        ...JSON.parse(String(queue.redrive_policy)),
        maxReceiveCount: 50,
      });
    },
  },
  SQS4: {
    environment: "dev",
    apply: (stack) => {
      first(
        stack,
        "aws_sqs_queue",
        (queue) => queue.redrive_policy !== undefined,
      ).visibility_timeout_seconds = 30;
    },
  },
  SQS7: {
    environment: "prod",
    apply: (stack) => {
      first(
        stack,
        "aws_sqs_queue",
        (candidate) => candidate.redrive_policy !== undefined,
      ).message_retention_seconds = 1_209_600;
    },
  },
  IAM5: {
    environment: "dev",
    apply: (stack) =>
      rewritePolicy(functionRole(stack), "policy", (document) => {
        for (const statement of document.Statement) delete statement.Condition;
      }),
  },
  IAM6: {
    environment: "dev",
    apply: (stack) =>
      rewritePolicy(first(stack, "aws_iam_role"), "assume_role_policy", (document) => {
        delete (document.Statement[0] as Values).Condition;
      }),
  },
  LOG3: {
    environment: "dev",
    apply: (stack) => {
      const groups = stack.resource.aws_cloudwatch_log_group ?? {};
      for (const [id, group] of Object.entries(groups))
        if (String(group.name).startsWith("API-Gateway-Execution-Logs_")) delete groups[id];
    },
  },
  CW2: {
    environment: "dev",
    apply: (stack) => {
      const alarms = stack.resource.aws_cloudwatch_metric_alarm ?? {};
      for (const [id, alarm] of Object.entries(alarms))
        if (alarm.metric_name === "RecordFailed") delete alarms[id];
    },
  },
  WAF1: {
    environment: "staging",
    apply: (stack) => {
      const acl = first(stack, "aws_wafv2_web_acl");
      const rules = JSON.parse(String(acl.rule_json)) as Values[];
      (rules[0] as Values).Action = { Block: {} };
      acl.rule_json = JSON.stringify(rules);
    },
  },
  SQS5: {
    environment: "dev",
    apply: (stack) =>
      rewritePolicy(first(stack, "aws_sqs_queue_policy"), "policy", (document) => {
        document.Statement = [{ Effect: "Deny", Principal: "*", Action: "sqs:DeleteQueue", Resource: "*" }];
      }),
  },
  DDB1: {
    environment: "dev",
    apply: (stack) => {
      first(stack, "aws_dynamodb_table").server_side_encryption = { enabled: true };
    },
  },
  DDB2: {
    environment: "dev",
    apply: (stack) => {
      first(stack, "aws_dynamodb_table").point_in_time_recovery = { enabled: false };
    },
  },
  DDB3: {
    environment: "prod",
    apply: (stack) => {
      first(stack, "aws_dynamodb_table").deletion_protection_enabled = false;
    },
  },
  LOG1: { environment: "dev", apply: (stack) => delete first(stack, "aws_cloudwatch_log_group").kms_key_id },
  LOG2: {
    environment: "dev",
    apply: (stack) => delete first(stack, "aws_cloudwatch_log_group").retention_in_days,
  },
  SNS1: {
    environment: "dev",
    apply: (stack) => {
      first(stack, "aws_sns_topic").kms_master_key_id = "alias/aws/sns";
    },
  },
  KMS1: {
    environment: "dev",
    apply: (stack) => {
      first(stack, "aws_kms_key").enable_key_rotation = false;
    },
  },
  KMS2: {
    environment: "dev",
    apply: (stack) =>
      rewritePolicy(first(stack, "aws_kms_key"), "policy", (document) => {
        document.Statement.push({ Effect: "Allow", Principal: "*", Action: "kms:Decrypt", Resource: "*" });
      }),
  },
  L1: {
    environment: "dev",
    apply: (stack) => {
      first(stack, "aws_lambda_function").tracing_config = { mode: "PassThrough" };
    },
  },
  L2: {
    environment: "dev",
    apply: (stack) => {
      first(stack, "aws_lambda_function").architectures = ["x86_64"];
    },
  },
  L3: {
    environment: "dev",
    apply: (stack) => {
      first(stack, "aws_lambda_function").runtime = "nodejs16.x";
    },
  },
  L4: {
    environment: "prod",
    apply: (stack) => delete first(stack, "aws_lambda_function").reserved_concurrent_executions,
  },
  L5: {
    environment: "dev",
    apply: (stack) => {
      first(stack, "aws_lambda_function").logging_config = { log_format: "JSON" };
    },
  },
  L6: { environment: "dev", apply: (stack) => delete first(stack, "aws_lambda_permission").source_arn },
  ESM1: {
    environment: "dev",
    apply: (stack) => {
      first(stack, "aws_lambda_event_source_mapping").function_response_types = [];
    },
  },
  ESM2: {
    environment: "dev",
    apply: (stack) => {
      first(stack, "aws_lambda_event_source_mapping").filter_criteria = {
        filter: [{ pattern: '{"body":{"operation":["get"]}}' }],
      };
    },
  },
  ESM3: {
    environment: "dev",
    apply: (stack) =>
      delete first(
        stack,
        "aws_lambda_event_source_mapping",
        (mapping) => mapping.destination_config !== undefined,
      ).destination_config,
  },
  ESM4: {
    environment: "dev",
    apply: (stack) => {
      first(
        stack,
        "aws_lambda_event_source_mapping",
        (mapping) => mapping.bisect_batch_on_function_error !== undefined,
      ).maximum_retry_attempts = -1;
    },
  },
  EVB1: {
    environment: "staging",
    apply: (stack) => delete first(stack, "aws_cloudwatch_event_target").dead_letter_config,
  },
  EVB2: {
    environment: "dev",
    apply: (stack) => delete first(stack, "aws_cloudwatch_event_target").retry_policy,
  },
  EVB3: {
    environment: "prod",
    apply: (stack) => delete first(stack, "aws_cloudwatch_event_bus").kms_key_identifier,
  },
  EVB4: {
    environment: "dev",
    apply: (stack) => {
      first(stack, "aws_cloudwatch_event_connection").auth_parameters = {
        api_key: { key: "x-api-key", value: "a-real-partner-key" },
      };
    },
  },
  SCH1: {
    environment: "staging",
    apply: (stack) =>
      delete (first(stack, "aws_scheduler_schedule").target as Record<string, unknown>).dead_letter_config,
  },
  SCH2: {
    environment: "prod",
    apply: (stack) => {
      const target = first(stack, "aws_scheduler_schedule").target as {
        retry_policy: Record<string, unknown>;
      };
      delete target.retry_policy.maximum_event_age_in_seconds;
    },
  },
  SCH3: {
    environment: "dev",
    apply: (stack) => delete first(stack, "aws_scheduler_schedule").kms_key_arn,
  },
  IAM1: {
    environment: "dev",
    apply: (stack) =>
      rewritePolicy(functionRole(stack), "policy", (document) => {
        (document.Statement[2] as Values).Action = ["sqs:*"];
      }),
  },
  IAM2: {
    environment: "dev",
    apply: (stack) =>
      rewritePolicy(functionRole(stack), "policy", (document) => {
        (document.Statement[2] as Values).Resource = ["*"];
      }),
  },
  IAM3: {
    environment: "dev",
    apply: (stack) => {
      stack.resource.aws_iam_role_policy_attachment = {
        basic: { role: "x", policy_arn: "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole" },
      };
    },
  },
  IAM4: {
    environment: "dev",
    apply: (stack) =>
      rewritePolicy(first(stack, "aws_iam_role"), "assume_role_policy", (document) => {
        (document.Statement[0] as Values).Principal = { AWS: "*" };
      }),
  },
  APIG1: {
    environment: "dev",
    apply: (stack) => delete first(stack, "aws_apigatewayv2_stage").access_log_settings,
  },
  APIG2: {
    environment: "dev",
    apply: (stack) =>
      delete first(stack, "aws_api_gateway_method", (method) => method.http_method === "POST").request_models,
  },
  APIG3: {
    environment: "dev",
    apply: (stack) => {
      first(stack, "aws_api_gateway_method", (method) => method.http_method === "DELETE").api_key_required =
        false;
    },
  },
  APIG4: {
    environment: "dev",
    apply: (stack) => delete first(stack, "aws_api_gateway_usage_plan").throttle_settings,
  },
  APIG5: { environment: "staging", apply: (stack) => delete stack.resource.aws_wafv2_web_acl_association },
  APIG6: {
    environment: "dev",
    apply: (stack) => {
      first(stack, "aws_api_gateway_stage").xray_tracing_enabled = false;
    },
  },
  APIG7: {
    environment: "dev",
    apply: (stack) => {
      const method = first(stack, "aws_api_gateway_method", (candidate) => candidate.http_method === "GET");
      method.authorization = "NONE";
      delete method.authorizer_id;
    },
  },
  APIG8: {
    environment: "dev",
    apply: (stack) => {
      const route = first(stack, "aws_apigatewayv2_route", (candidate) => candidate.route_key === "$connect");
      delete route.authorization_type;
      delete route.authorizer_id;
    },
  },
  COG1: {
    environment: "prod",
    apply: (stack) => {
      first(stack, "aws_cognito_user_pool").mfa_configuration = "OPTIONAL";
    },
  },
  COG2: {
    environment: "dev",
    apply: (stack) => {
      first(stack, "aws_cognito_user_pool_client", (client) =>
        Boolean(client.callback_urls),
      ).generate_secret = true;
    },
  },
  CF1: {
    environment: "dev",
    apply: (stack) => {
      first(stack, "aws_cloudfront_origin_access_control").signing_behavior = "no-override";
    },
  },
  CF2: {
    environment: "prod",
    apply: (stack) => {
      (first(stack, "aws_cloudfront_distribution").viewer_certificate as Values).minimum_protocol_version =
        "TLSv1.1_2016";
    },
  },
  CF3: {
    environment: "dev",
    apply: (stack) => {
      const headers = first(stack, "aws_cloudfront_response_headers_policy")
        .security_headers_config as Values;
      const csp = headers.content_security_policy as Values;
      csp.content_security_policy = String(csp.content_security_policy).replace(
        "script-src 'self'",
        "script-src 'self' 'unsafe-inline'",
      );
    },
  },
  CF4: {
    environment: "staging",
    apply: (stack) => {
      delete stack.resource.aws_cloudwatch_log_delivery;
    },
  },
  CF5: {
    environment: "dev",
    apply: (stack) => {
      (first(stack, "aws_cloudfront_distribution").default_cache_behavior as Values).viewer_protocol_policy =
        "allow-all";
    },
  },
  S3B1: {
    environment: "dev",
    apply: (stack) => {
      const [rule] = bucketPart(stack, "aws_s3_bucket_server_side_encryption_configuration").rule as Values[];
      const byDefault = (rule as Values).apply_server_side_encryption_by_default as Values;
      // The site bucket's SSE-S3 becomes SSE-KMS with no key of this stack; a KMS bucket loses its bucket key.
      if (byDefault.sse_algorithm === "AES256") byDefault.sse_algorithm = "aws:kms";
      else (rule as Values).bucket_key_enabled = false;
    },
  },
  S3B2: {
    environment: "dev",
    apply: (stack) =>
      rewritePolicy(bucketPart(stack, "aws_s3_bucket_policy"), "policy", (document) => {
        // Only the bucket, not its objects: object reads over HTTP stay open.
        for (const statement of document.Statement)
          if (statement.Effect === "Deny") statement.Resource = (statement.Resource as string[])[0];
      }),
  },
  S3B3: {
    environment: "dev",
    apply: (stack) => {
      bucketPart(stack, "aws_s3_bucket_public_access_block").restrict_public_buckets = false;
    },
  },
  S3B4: {
    environment: "dev",
    apply: (stack) => {
      bucketPart(stack, "aws_s3_bucket_versioning").versioning_configuration = { status: "Suspended" };
    },
  },
  CW1: {
    environment: "dev",
    apply: (stack) => {
      const alarms = stack.resource.aws_cloudwatch_metric_alarm ?? {};
      for (const [id, alarm] of Object.entries(alarms))
        if (alarm.metric_name === "Throttles") delete alarms[id];
    },
  },
};

describe("the policy pack", () => {
  it("has at least 25 rules, each with an id, a title and a rationale, and a break that proves it", () => {
    expect(RULES.length).toBeGreaterThanOrEqual(25);
    expect(new Set(RULES.map((rule) => rule.id)).size).toBe(RULES.length);
    for (const rule of RULES) {
      expect(rule.title.length, rule.id).toBeGreaterThan(10);
      expect(rule.rationale.length, rule.id).toBeGreaterThan(20);
    }
    expect(Object.keys(BREAKS).sort()).toEqual(RULES.map((rule) => rule.id).sort());
  });

  it("gives every suppression a reason", () => {
    for (const suppression of SUPPRESSIONS)
      expect(suppression.reason.trim().length, suppression.rule).toBeGreaterThan(20);
  });

  it.each(ENVIRONMENT_NAMES)("finds nothing in the %s stack", (environment) => {
    expect(evaluateStack(synthesizedStack(environment), configOf(environment)).findings).toEqual([]);
  });

  describe.each(RULES.map((rule) => [rule.id, rule] as const))("%s", (id, rule) => {
    const { environment, apply } = BREAKS[id] ?? { environment: "dev", apply: () => undefined };
    const config = configOf(environment);

    it("passes the compliant stack", () => {
      expect(rule.check(synthesizedStack(environment), { config })).toEqual([]);
    });

    it("catches the break, and only it is what it reports", () => {
      const broken = structuredClone(synthesizedStack(environment));
      apply(broken);
      const findings = rule.check(broken, { config });
      expect(findings.length).toBeGreaterThan(0);
      for (const found of findings) expect(found.rule).toBe(id);
    });
  });

  it("applies production rules by tier: a table without deletion protection in any production environment", () => {
    const devAsProduction = { ...configOf("dev"), name: "prod-us", tier: "production" as const };
    expect(DDB3.check(synthesizedStack("dev"), { config: configOf("dev") })).toEqual([]);
    expect(DDB3.check(synthesizedStack("dev"), { config: devAsProduction }).length).toBeGreaterThan(0);
  });

  it("lets a suppression with a reason waive a finding, and reports it as suppressed", () => {
    const broken = structuredClone(synthesizedStack("dev"));
    first(broken, "aws_kms_key").enable_key_rotation = false;
    const waiver = {
      rule: "KMS1",
      resource: /^aws_kms_key\./,
      reason: "a test key that is destroyed within the hour",
    };

    const evaluation = evaluateStack(broken, configOf("dev"), RULES, [waiver]);

    expect(evaluation.findings).toEqual([]);
    expect(evaluation.suppressed).toEqual([expect.objectContaining({ rule: "KMS1", reason: waiver.reason })]);
  });
});
