import path from "node:path";
import {
  findByReference,
  findFunction,
  referenceTo,
  resourcesOf,
  type StackJson,
  type StackResource,
} from "./stack-json.ts";

export interface FunctionModel {
  readonly name: string;
  /** Absolute path of the deployed bundle's `index.mjs`. */
  readonly bundle: string;
  /** Environment variables as synthesized: values may hold Terraform references. */
  readonly environment: Readonly<Record<string, string>>;
  readonly timeoutSeconds: number;
  /** Concurrent invocations it may run. @default unreserved: the account's limit */
  readonly reservedConcurrency?: number;
  /** The function's aliases, by name. */
  readonly aliases: readonly string[];
  /** Execution environments kept initialised, per alias name. */
  readonly provisionedConcurrency: Readonly<Record<string, number>>;
}

export interface MappingModel {
  readonly queue: string;
  readonly functionName: string;
  /** The alias the mapping invokes. @default none: the unqualified function ($LATEST) */
  readonly qualifier?: string;
  readonly batchSize: number;
  readonly maxBatchingWindowSeconds: number;
  readonly maxConcurrency: number;
  readonly reportsBatchItemFailures: boolean;
}

export interface TableModel {
  readonly name: string;
  readonly hashKey: string;
  readonly rangeKey?: string;
  readonly attributes: ReadonlyArray<{ name: string; type: "S" | "N" | "B" }>;
  readonly indexes: ReadonlyArray<{
    name: string;
    hashKey: string;
    rangeKey?: string;
    projection: "ALL" | "KEYS_ONLY" | "INCLUDE";
    nonKeyAttributes?: string[];
  }>;
  /** The TTL attribute, when TTL is enabled. */
  readonly ttlAttribute?: string;
}

export interface QueueModel {
  readonly name: string;
  readonly visibilityTimeoutSeconds: number;
  /** Where messages go after `maxReceiveCount` receives. @default none (a dead-letter queue itself) */
  readonly redrive?: { readonly deadLetterQueue: string; readonly maxReceiveCount: number };
  /** @default 345600 (four days, SQS's default) */
  readonly messageRetentionSeconds?: number;
  /** @default 0 */
  readonly delaySeconds?: number;
  /** @default 262144 */
  readonly maximumMessageSize?: number;
  /** How long a receive waits for a message when it does not say. @default 0 */
  readonly receiveWaitTimeSeconds?: number;
  /** The KMS key, as synthesized: an ARN, an alias or a reference to the stack's key. @default none */
  readonly kmsMasterKeyId?: string;
  /** @default 300 with a KMS key */
  readonly kmsDataKeyReusePeriodSeconds?: number;
  /** @default true without a KMS key, as SQS encrypts new queues with its own keys */
  readonly sqsManagedSseEnabled?: boolean;
  /** Which queues may use this one as their dead-letter queue: the policy's JSON as synthesized. @default none */
  readonly redriveAllowPolicy?: string;
  /** The queue's resource policy, JSON as synthesized. @default none */
  readonly policy?: string;
}

export interface WebSocketAuthorizerModel {
  readonly functionName: string;
  /** Where the identity comes from, e.g. `route.request.querystring.token`: missing, API Gateway answers 401. */
  readonly identitySources: readonly string[];
}

export interface StackModel {
  readonly region: string;
  readonly tables: readonly TableModel[];
  readonly queues: readonly QueueModel[];
  readonly functions: readonly FunctionModel[];
  readonly mappings: readonly MappingModel[];
  /** WebSocket route key to function name. */
  readonly websocketRoutes: Readonly<Record<string, string>>;
  /** Route key to the REQUEST authorizer API Gateway runs before it (only `$connect` may have one). */
  readonly websocketAuthorizers: Readonly<Record<string, WebSocketAuthorizerModel>>;
  readonly websocketStage: string;
}

/**
 * The service as a synthesized stack describes it (tables, queues, functions, event source mappings,
 * WebSocket routes), read from the stack and the folder it was written to: what the local runner serves and
 * what tests check against.
 */
export function readStackModel(stack: StackJson, stackDir: string): StackModel {
  const provider = (stack.provider.aws as Array<{ region: string }> | undefined)?.[0];
  const region = provider?.region ?? "eu-west-1";
  const queueName = (reference: unknown) => String(findByReference(stack, reference)?.values.name ?? "");

  // Queue policies and redrive-allow policies are resources of their own, naming their queue by its URL.
  const policyOf = (queue: StackResource, type: string, attribute: string) =>
    resourcesOf(stack, type).find((policy) => policy.values.queue_url === referenceTo(queue, "url"))?.values[
      attribute
    ] ?? queue.values[attribute];
  const queues = resourcesOf(stack, "aws_sqs_queue").map((queue): QueueModel => {
    const values = queue.values;
    const redrive = values.redrive_policy ? JSON.parse(String(values.redrive_policy)) : undefined;
    const kmsMasterKeyId = values.kms_master_key_id ? String(values.kms_master_key_id) : undefined;
    const redriveAllowPolicy = policyOf(queue, "aws_sqs_queue_redrive_allow_policy", "redrive_allow_policy");
    const policy = policyOf(queue, "aws_sqs_queue_policy", "policy");
    return {
      name: String(values.name),
      visibilityTimeoutSeconds: Number(values.visibility_timeout_seconds ?? 30),
      redrive: redrive
        ? {
            deadLetterQueue: queueName(redrive.deadLetterTargetArn),
            maxReceiveCount: Number(redrive.maxReceiveCount),
          }
        : undefined,
      messageRetentionSeconds: Number(values.message_retention_seconds ?? 345600),
      delaySeconds: Number(values.delay_seconds ?? 0),
      maximumMessageSize: Number(values.max_message_size ?? 262144),
      receiveWaitTimeSeconds: Number(values.receive_wait_time_seconds ?? 0),
      ...(kmsMasterKeyId
        ? {
            kmsMasterKeyId,
            kmsDataKeyReusePeriodSeconds: Number(values.kms_data_key_reuse_period_seconds ?? 300),
          }
        : {}),
      sqsManagedSseEnabled: kmsMasterKeyId ? false : values.sqs_managed_sse_enabled !== false,
      ...(redriveAllowPolicy ? { redriveAllowPolicy: String(redriveAllowPolicy) } : {}),
      ...(policy ? { policy: String(policy) } : {}),
    };
  });

  const archives = stack.data?.archive_file ?? {};
  const functions = resourcesOf(stack, "aws_lambda_function").map((fn): FunctionModel => {
    const archiveId =
      /^\$\{data\.archive_file\.([\w-]+)\.output_path\}$/.exec(String(fn.values.filename))?.[1] ?? "";
    const archive = archives[archiveId];
    if (!archive) throw new Error(`${fn.values.function_name} has no archive_file to run from`);
    const handler = String(fn.values.handler ?? "index.handler");
    if (handler !== "index.handler")
      throw new Error(`${fn.values.function_name}: handler ${handler} is not index.handler`);
    return {
      name: String(fn.values.function_name),
      bundle: path.join(stackDir, String(archive.source_dir), "index.mjs"),
      environment: ((fn.values.environment as { variables?: Record<string, string> } | undefined)
        ?.variables ?? {}) as Record<string, string>,
      timeoutSeconds: Number(fn.values.timeout ?? 3),
      ...(fn.values.reserved_concurrent_executions === undefined
        ? {}
        : { reservedConcurrency: Number(fn.values.reserved_concurrent_executions) }),
      aliases: resourcesOf(stack, "aws_lambda_alias")
        .filter((alias) => findFunction(stack, `\${${alias.address}.arn}`)?.fn.id === fn.id)
        .map((alias) => String(alias.values.name)),
      provisionedConcurrency: Object.fromEntries(
        resourcesOf(stack, "aws_lambda_provisioned_concurrency_config")
          .filter(
            (config) =>
              findByReference(stack, config.values.function_name)?.address === `aws_lambda_function.${fn.id}`,
          )
          .map((config) => [
            String(findByReference(stack, config.values.qualifier)?.values.name ?? config.values.qualifier),
            Number(config.values.provisioned_concurrent_executions),
          ]),
      ),
    };
  });

  const functionName = (reference: unknown) =>
    String(findFunction(stack, reference)?.fn.values.function_name ?? "");
  // Mappings on DynamoDB streams have models of their own (event-bus-model.ts): these are the queue consumers.
  const queueMappings = resourcesOf(stack, "aws_lambda_event_source_mapping").filter(
    (mapping) => findByReference(stack, mapping.values.event_source_arn)?.type === "aws_sqs_queue",
  );
  const mappings = queueMappings.map(
    (mapping): MappingModel => ({
      queue: queueName(mapping.values.event_source_arn),
      functionName: functionName(mapping.values.function_name),
      ...qualifierOf(findFunction(stack, mapping.values.function_name)?.qualifier),
      batchSize: Number(mapping.values.batch_size ?? 10),
      maxBatchingWindowSeconds: Number(mapping.values.maximum_batching_window_in_seconds ?? 0),
      maxConcurrency: Number(
        (mapping.values.scaling_config as { maximum_concurrency?: number } | undefined)
          ?.maximum_concurrency ?? 2,
      ),
      reportsBatchItemFailures: (
        (mapping.values.function_response_types as string[] | undefined) ?? []
      ).includes("ReportBatchItemFailures"),
    }),
  );

  const websocketRoutes: Record<string, string> = {};
  const websocketAuthorizers: Record<string, WebSocketAuthorizerModel> = {};
  for (const route of resourcesOf(stack, "aws_apigatewayv2_route")) {
    const integrationId =
      /integrations\/\$\{aws_apigatewayv2_integration\.([\w-]+)\.id\}/.exec(
        String(route.values.target),
      )?.[1] ?? "";
    const integration = stack.resource.aws_apigatewayv2_integration?.[integrationId];
    websocketRoutes[String(route.values.route_key)] = functionName(integration?.integration_uri);
    const authorizer = findByReference(stack, route.values.authorizer_id);
    if (route.values.authorization_type === "CUSTOM" && authorizer) {
      websocketAuthorizers[String(route.values.route_key)] = {
        functionName: functionName(authorizer.values.authorizer_uri),
        identitySources: (authorizer.values.identity_sources as string[] | undefined) ?? [],
      };
    }
  }
  const [stage] = resourcesOf(stack, "aws_apigatewayv2_stage");
  return {
    region,
    tables: readTables(stack),
    queues,
    functions,
    mappings,
    websocketRoutes,
    websocketAuthorizers,
    websocketStage: String(stage?.values.name ?? "live"),
  };
}

const qualifierOf = (qualifier: string | undefined) => (qualifier ? { qualifier } : {});

/** The stack's `aws_dynamodb_table` resources: keys, global indexes and TTL. */
export function readTables(stack: StackJson): TableModel[] {
  return resourcesOf(stack, "aws_dynamodb_table").map(({ values: table }): TableModel => {
    const indexes = (table.global_secondary_index ?? []) as Array<{
      name: string;
      hash_key: string;
      range_key?: string;
      projection_type: "ALL" | "KEYS_ONLY" | "INCLUDE";
      non_key_attributes?: string[];
    }>;
    const ttl = table.ttl as { attribute_name?: string; enabled?: boolean } | undefined;
    return {
      name: String(table.name),
      hashKey: String(table.hash_key),
      ...(table.range_key ? { rangeKey: String(table.range_key) } : {}),
      attributes: table.attribute as TableModel["attributes"],
      indexes: indexes.map((index) => ({
        name: index.name,
        hashKey: index.hash_key,
        ...(index.range_key ? { rangeKey: index.range_key } : {}),
        projection: index.projection_type ?? "ALL",
        ...(index.non_key_attributes ? { nonKeyAttributes: index.non_key_attributes } : {}),
      })),
      ...(ttl?.enabled && ttl.attribute_name ? { ttlAttribute: ttl.attribute_name } : {}),
    };
  });
}
