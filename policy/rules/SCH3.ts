import { namesStackKey, resourcesOf } from "../../synthesized/stack-json.ts";
import { finding, type PolicyRule } from "../rule.ts";

export const SCH3: PolicyRule = {
  id: "SCH3",
  title: "Schedules are encrypted with the customer-managed key",
  rationale:
    "A schedule's input is kept by Scheduler; like every other store of the service, under the environment's key.",
  check: (stack) =>
    resourcesOf(stack, "aws_scheduler_schedule").flatMap((schedule) =>
      namesStackKey(schedule.values.kms_key_arn)
        ? []
        : [finding("SCH3", schedule, "kms_key_arn does not name a key of this stack")],
    ),
};
