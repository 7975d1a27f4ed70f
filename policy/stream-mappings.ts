import {
  parseReference,
  resourcesOf,
  type StackJson,
  type StackResource,
} from "../synthesized/stack-json.ts";

/** Whether an event source mapping reads a stream (DynamoDB or Kinesis) rather than a queue. */
export function isStreamMapping(mapping: StackResource): boolean {
  const source = parseReference(mapping.values.event_source_arn);
  return source?.attribute === "stream_arn" || source?.type === "aws_kinesis_stream";
}

/** The stack's event source mappings that read a stream. */
export function streamMappings(stack: StackJson): StackResource[] {
  return resourcesOf(stack, "aws_lambda_event_source_mapping").filter(isStreamMapping);
}
