import { findByReference, resourcesOf, type StackJson } from "./stack-json.ts";

/**
 * Every queue of the stack that holds what something else could not deliver, as `${aws_sqs_queue.<id>.arn}`: the
 * targets of redrive policies, and the queues EventBridge (rule targets, buses), Scheduler (schedules' targets) and
 * Lambda (a stream mapping's on-failure destination) send their failures to. Such a queue ends a path: it needs no dead-letter queue itself.
 */
export function deadLetterQueueReferences(stack: StackJson): Set<string> {
  const references = [
    ...resourcesOf(stack, "aws_sqs_queue").map((queue) =>
      queue.values.redrive_policy
        ? JSON.parse(String(queue.values.redrive_policy)).deadLetterTargetArn
        : undefined,
    ),
    ...["aws_cloudwatch_event_target", "aws_cloudwatch_event_bus"].flatMap((type) =>
      resourcesOf(stack, type).map(
        (resource) => (resource.values.dead_letter_config as { arn?: string } | undefined)?.arn,
      ),
    ),
    ...resourcesOf(stack, "aws_scheduler_schedule").map(
      (schedule) =>
        (schedule.values.target as { dead_letter_config?: { arn?: string } } | undefined)?.dead_letter_config
          ?.arn,
    ),
    ...resourcesOf(stack, "aws_lambda_event_source_mapping").map(
      (mapping) =>
        (mapping.values.destination_config as { on_failure?: { destination_arn?: string } } | undefined)
          ?.on_failure?.destination_arn,
    ),
  ];
  return new Set(
    references.filter(
      (reference): reference is string =>
        typeof reference === "string" && findByReference(stack, reference)?.type === "aws_sqs_queue",
    ),
  );
}
