import {
  findByReference,
  findFunction,
  resourcesOf,
  type StackJson,
  type StackResource,
} from "../synthesized/stack-json.ts";
import type { CostContext, EstimateInput, MeasuredFunction } from "./types.ts";

// What several estimators read from a stack and its measurements.

export const MINUTE = 60;

/** `n` units of 64 KB (SQS) or 32 KB (WebSocket) a payload of `bytes` is billed as. */
export const chunks = (bytes: number, size: number) => Math.max(1, Math.ceil(bytes / size));

/** Short names (without the prefix) of every function in the stack, with their resources. */
export function functionsOf(context: EstimateInput): Array<{ name: string; fn: StackResource }> {
  return resourcesOf(context.stack, "aws_lambda_function").map((fn) => ({
    name: String(fn.values.function_name).slice(context.namePrefix.length + 1),
    fn,
  }));
}

export function isQueueConsumer(stack: StackJson, fn: StackResource): boolean {
  return resourcesOf(stack, "aws_lambda_event_source_mapping").some(
    (mapping) => findFunction(stack, mapping.values.function_name)?.fn.id === fn.id,
  );
}

export function provisionedConcurrencyOf(stack: StackJson, fn: StackResource): number {
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

export const awsCallsOf = (measured: MeasuredFunction) =>
  Object.values(measured.dynamodb).reduce((sum, usage) => sum + usage.calls, 0) +
  measured.sqsMessages +
  measured.websocketPosts;

export const architectureOf = (fn: StackResource) =>
  String((fn.values.architectures as string[] | undefined)?.[0] ?? "x86_64");
export const memoryGb = (fn: StackResource) => Number(fn.values.memory_size ?? 128) / 1024;

export const websocketRouteFunctions = (context: CostContext) =>
  resourcesOf(context.stack, "aws_apigatewayv2_integration").flatMap((integration) => {
    const target = findFunction(context.stack, integration.values.integration_uri);
    return target ? [String(target.fn.values.function_name).slice(context.namePrefix.length + 1)] : [];
  });
