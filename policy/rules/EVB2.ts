import { resourcesOf } from "../../synthesized/stack-json.ts";
import { finding, type PolicyRule } from "../rule.ts";

export const EVB2: PolicyRule = {
  id: "EVB2",
  title: "Every EventBridge rule target states its retry policy",
  rationale:
    "How long a failing endpoint is retried decides when its events reach the DLQ; a reviewer must see it in the plan, not assume the default.",
  check: (stack) =>
    resourcesOf(stack, "aws_cloudwatch_event_target").flatMap((target) => {
      const retry = target.values.retry_policy as
        | { maximum_retry_attempts?: number; maximum_event_age_in_seconds?: number }
        | undefined;
      return retry?.maximum_retry_attempts !== undefined && retry.maximum_event_age_in_seconds !== undefined
        ? []
        : [
            finding(
              "EVB2",
              target,
              "retry_policy does not set both maximum_retry_attempts and maximum_event_age_in_seconds",
            ),
          ];
    }),
};
