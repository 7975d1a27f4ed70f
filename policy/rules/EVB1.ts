import { findByReference, resourcesOf } from "../../synthesized/stack-json.ts";
import { finding, type PolicyRule } from "../rule.ts";

export const EVB1: PolicyRule = {
  id: "EVB1",
  title: "Every EventBridge rule target has a dead-letter queue of this stack",
  rationale:
    "An event a target never accepts is dropped after its retries unless a dead-letter queue keeps it.",
  mirrors: "serverless-rules aws_cloudwatch_event_target_no_dlq",
  check: (stack) =>
    resourcesOf(stack, "aws_cloudwatch_event_target").flatMap((target) => {
      const queue = (target.values.dead_letter_config as { arn?: string } | undefined)?.arn;
      if (!queue) return [finding("EVB1", target, "no dead_letter_config")];
      return findByReference(stack, queue)?.type === "aws_sqs_queue"
        ? []
        : [finding("EVB1", target, `dead-letter queue ${queue} is not a queue of this stack`)];
    }),
};
