import { findByReference, findFunction, parseReference, resourcesOf, type StackJson } from "./stack-json.ts";

/** How EventBridge retries a target, with EventBridge's defaults for what the stack leaves out. */
export interface RetryModel {
  readonly maximumRetryAttempts: number;
  readonly maximumEventAgeSeconds: number;
}

export interface ApiDestinationModel {
  readonly name: string;
  readonly endpoint: string;
  readonly httpMethod: string;
  /** Deliveries per second; absent means EventBridge's own limit. */
  readonly rateLimitPerSecond?: number;
  /** The header the connection adds (API key or basic authorization); its value is EventBridge's secret. */
  readonly authorization:
    | { readonly type: "API_KEY"; readonly headerName: string; readonly value: string }
    | {
        readonly type: "BASIC";
        readonly username: string;
        readonly password: string;
      };
}

export interface TargetModel {
  readonly id: string;
  readonly retry: RetryModel;
  /** Name of the SQS queue that receives what cannot be delivered. */
  readonly deadLetterQueue?: string;
  readonly destination:
    | { readonly kind: "api-destination"; readonly apiDestination: ApiDestinationModel }
    | { readonly kind: "log-group"; readonly logGroup: string }
    | { readonly kind: "unsupported"; readonly arn: string };
}

export interface RuleModel {
  readonly name: string;
  readonly eventPattern: unknown;
  readonly enabled: boolean;
  readonly targets: readonly TargetModel[];
}

export interface EventBusModel {
  readonly name: string;
  readonly archives: ReadonlyArray<{
    readonly name: string;
    readonly eventPattern?: unknown;
    readonly retentionDays?: number;
  }>;
  readonly rules: readonly RuleModel[];
}

/** A Lambda event source mapping that reads a DynamoDB stream. */
export interface StreamMappingModel {
  readonly table: string;
  readonly functionName: string;
  /** The alias the mapping invokes, when it names one. */
  readonly qualifier?: string;
  readonly batchSize: number;
  readonly maxBatchingWindowSeconds: number;
  /** -1: until the record expires, as Lambda's default. */
  readonly maxRetryAttempts: number;
  /** -1: until the record expires, as Lambda's default. */
  readonly maxRecordAgeSeconds: number;
  readonly bisectOnError: boolean;
  readonly reportsBatchItemFailures: boolean;
  readonly startingPosition: "TRIM_HORIZON" | "LATEST";
  /** Name of the SQS queue of the on-failure destination. */
  readonly onFailureQueue?: string;
}

/** A table whose stream is on, and what its records carry. */
export interface StreamedTableModel {
  readonly name: string;
  readonly viewType: "KEYS_ONLY" | "NEW_IMAGE" | "OLD_IMAGE" | "NEW_AND_OLD_IMAGES";
}

/** What EventBridge does for a target without a retry policy. */
const EVENTBRIDGE_DEFAULT_RETRY: RetryModel = { maximumRetryAttempts: 185, maximumEventAgeSeconds: 86400 };

const attributeOf = (stack: StackJson, reference: unknown, attribute: string) =>
  findByReference(stack, reference)?.values[attribute];

/** The stack's event buses, each with its archives and its rules' targets, as the local bus serves them. */
export function readEventBuses(stack: StackJson): EventBusModel[] {
  const busName = (reference: unknown) =>
    reference === undefined ? "default" : String(attributeOf(stack, reference, "name") ?? reference);
  const targets = resourcesOf(stack, "aws_cloudwatch_event_target");
  return resourcesOf(stack, "aws_cloudwatch_event_bus").map((bus) => {
    const name = String(bus.values.name);
    const rules = resourcesOf(stack, "aws_cloudwatch_event_rule")
      .filter((rule) => busName(rule.values.event_bus_name) === name)
      .map(
        (rule): RuleModel => ({
          name: String(rule.values.name),
          eventPattern: JSON.parse(String(rule.values.event_pattern ?? "{}")),
          enabled:
            rule.values.state === undefined
              ? rule.values.is_enabled !== false
              : rule.values.state !== "DISABLED",
          targets: targets
            .filter((target) => attributeOf(stack, target.values.rule, "name") === rule.values.name)
            .map((target) => readTarget(stack, target.values)),
        }),
      );
    const archives = resourcesOf(stack, "aws_cloudwatch_event_archive")
      .filter((archive) => parseReference(archive.values.event_source_arn)?.id === bus.id)
      .map((archive) => ({
        name: String(archive.values.name),
        ...(archive.values.event_pattern
          ? { eventPattern: JSON.parse(String(archive.values.event_pattern)) }
          : {}),
        ...(archive.values.retention_days ? { retentionDays: Number(archive.values.retention_days) } : {}),
      }));
    return { name, archives, rules };
  });
}

function readTarget(stack: StackJson, values: Record<string, unknown>): TargetModel {
  const retry = values.retry_policy as
    | { maximum_retry_attempts?: number; maximum_event_age_in_seconds?: number }
    | undefined;
  const deadLetter = (values.dead_letter_config as { arn?: string } | undefined)?.arn;
  const target = findByReference(stack, values.arn);
  const base = {
    id: String(values.target_id ?? "target"),
    retry: {
      maximumRetryAttempts: retry?.maximum_retry_attempts ?? EVENTBRIDGE_DEFAULT_RETRY.maximumRetryAttempts,
      maximumEventAgeSeconds:
        retry?.maximum_event_age_in_seconds ?? EVENTBRIDGE_DEFAULT_RETRY.maximumEventAgeSeconds,
    },
    ...(deadLetter ? { deadLetterQueue: String(attributeOf(stack, deadLetter, "name")) } : {}),
  };
  if (target?.type === "aws_cloudwatch_log_group")
    return { ...base, destination: { kind: "log-group", logGroup: String(target.values.name) } };
  if (target?.type === "aws_cloudwatch_event_api_destination") {
    const destination = target.values;
    return {
      ...base,
      destination: {
        kind: "api-destination",
        apiDestination: {
          name: String(destination.name),
          endpoint: String(destination.invocation_endpoint),
          httpMethod: String(destination.http_method),
          ...(destination.invocation_rate_limit_per_second
            ? { rateLimitPerSecond: Number(destination.invocation_rate_limit_per_second) }
            : {}),
          authorization: readAuthorization(findByReference(stack, destination.connection_arn)?.values),
        },
      },
    };
  }
  return { ...base, destination: { kind: "unsupported", arn: String(values.arn) } };
}

function readAuthorization(
  connection: Record<string, unknown> | undefined,
): ApiDestinationModel["authorization"] {
  const parameters = (connection?.auth_parameters ?? {}) as {
    api_key?: { key: string; value: string };
    basic?: { username: string; password: string };
  };
  if (parameters.basic)
    return { type: "BASIC", username: parameters.basic.username, password: parameters.basic.password };
  return {
    type: "API_KEY",
    headerName: parameters.api_key?.key ?? "x-api-key",
    value: parameters.api_key?.value ?? "",
  };
}

/** The stack's tables with a stream, and what their records carry. */
export function readStreamedTables(stack: StackJson): StreamedTableModel[] {
  return resourcesOf(stack, "aws_dynamodb_table")
    .filter((table) => table.values.stream_enabled === true)
    .map((table) => ({
      name: String(table.values.name),
      viewType: String(
        table.values.stream_view_type ?? "NEW_AND_OLD_IMAGES",
      ) as StreamedTableModel["viewType"],
    }));
}

/** The stack's event source mappings that read a DynamoDB stream (the SQS ones are in the service model). */
export function readStreamMappings(stack: StackJson): StreamMappingModel[] {
  return resourcesOf(stack, "aws_lambda_event_source_mapping").flatMap((mapping): StreamMappingModel[] => {
    const source = parseReference(mapping.values.event_source_arn);
    if (source?.type !== "aws_dynamodb_table" || source.attribute !== "stream_arn") return [];
    const values = mapping.values;
    const consumer = findFunction(stack, values.function_name);
    const onFailure = (values.destination_config as { on_failure?: { destination_arn?: string } } | undefined)
      ?.on_failure?.destination_arn;
    return [
      {
        table: String(attributeOf(stack, values.event_source_arn, "name")),
        functionName: String(consumer?.fn.values.function_name ?? ""),
        ...(consumer?.qualifier ? { qualifier: consumer.qualifier } : {}),
        batchSize: Number(values.batch_size ?? 100),
        maxBatchingWindowSeconds: Number(values.maximum_batching_window_in_seconds ?? 0),
        maxRetryAttempts: Number(values.maximum_retry_attempts ?? -1),
        maxRecordAgeSeconds: Number(values.maximum_record_age_in_seconds ?? -1),
        bisectOnError: values.bisect_batch_on_function_error === true,
        reportsBatchItemFailures: ((values.function_response_types as string[] | undefined) ?? []).includes(
          "ReportBatchItemFailures",
        ),
        startingPosition: values.starting_position === "LATEST" ? "LATEST" : "TRIM_HORIZON",
        ...(onFailure ? { onFailureQueue: String(attributeOf(stack, onFailure, "name")) } : {}),
      },
    ];
  });
}
