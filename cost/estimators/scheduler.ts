import { resourcesOf } from "../../synthesized/stack-json.ts";
import { runsPerMonth } from "../stack-usage.ts";
import type { ServiceEstimator } from "../types.ts";

/**
 * EventBridge Scheduler bills each invocation of a target (a retry is one more); schedule groups and disabled
 * schedules cost nothing. The free tier (14 million invocations a month) is not deducted.
 */
export const scheduler: ServiceEstimator = {
  service: "EventBridge Scheduler",
  prices: ["aws_scheduler_schedule", "aws_scheduler_schedule_group"],
  estimate: ({ stack }) => {
    const invocations = resourcesOf(stack, "aws_scheduler_schedule")
      .filter((schedule) => schedule.values.state !== "DISABLED")
      .reduce((sum, schedule) => sum + runsPerMonth(String(schedule.values.schedule_expression)), 0);
    return invocations > 0
      ? [
          {
            item: "scheduled invocations",
            quantity: invocations,
            priceKey: "scheduler.invocations",
            fixed: true,
          },
        ]
      : [];
  },
};
