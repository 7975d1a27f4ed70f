import { findByReference, resourcesOf } from "../../synthesized/stack-json.ts";
import { finding, type PolicyRule } from "../rule.ts";

export const SCH1: PolicyRule = {
  id: "SCH1",
  title: "Every schedule's target has a dead-letter queue of this stack",
  rationale:
    "An occurrence Scheduler cannot deliver after its retries (a throttled or failing function) is dropped unless a dead-letter queue keeps it: a report or a cleanup silently never happens.",
  check: (stack) =>
    resourcesOf(stack, "aws_scheduler_schedule").flatMap((schedule) => {
      const target = schedule.values.target as { dead_letter_config?: { arn?: string } } | undefined;
      const queue = target?.dead_letter_config?.arn;
      if (!queue) return [finding("SCH1", schedule, "target has no dead_letter_config")];
      return findByReference(stack, queue)?.type === "aws_sqs_queue"
        ? []
        : [finding("SCH1", schedule, `dead-letter queue ${queue} is not a queue of this stack`)];
    }),
};
