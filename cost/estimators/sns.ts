import { functionsReferring } from "../stack-usage.ts";
import type { ServiceEstimator } from "../types.ts";

/**
 * SNS bills each publish (per 64 KB chunk). A function that names a topic in its environment publishes once per
 * invocation (the weekly report announces itself); the alarm topic's few notifications a month are within the free
 * tier, as are its e-mail deliveries.
 */
export const sns: ServiceEstimator = {
  service: "SNS",
  prices: ["aws_sns_topic"],
  estimate: (context) => {
    const publishers = functionsReferring(context, "aws_sns_topic");
    const publishes = publishers.reduce((sum, name) => sum + (context.invocations.get(name) ?? 0), 0);
    return publishes > 0
      ? [
          {
            item: "messages published by functions",
            quantity: publishes,
            priceKey: "sns.publishes",
            fixed: publishers.every((name) => context.scheduledFunctions.has(name)),
          },
        ]
      : [];
  },
};
