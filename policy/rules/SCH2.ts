import { resourcesOf } from "../../synthesized/stack-json.ts";
import { finding, type PolicyRule } from "../rule.ts";

export const SCH2: PolicyRule = {
  id: "SCH2",
  title: "Every schedule's target states a bounded retry policy",
  rationale:
    "Scheduler's default retries for a day, 185 times: how often a failing job runs again, and when its occurrence reaches the DLQ, must be a reviewed choice.",
  check: (stack) =>
    resourcesOf(stack, "aws_scheduler_schedule").flatMap((schedule) => {
      const retry = (
        schedule.values.target as
          | { retry_policy?: { maximum_retry_attempts?: number; maximum_event_age_in_seconds?: number } }
          | undefined
      )?.retry_policy;
      return retry?.maximum_retry_attempts !== undefined && retry.maximum_event_age_in_seconds !== undefined
        ? []
        : [
            finding(
              "SCH2",
              schedule,
              "target.retry_policy does not set both maximum_retry_attempts and maximum_event_age_in_seconds",
            ),
          ];
    }),
};
