import {
  architectureOf,
  awsCallsOf,
  functionsOf,
  lambdaMilliseconds,
  memoryGb,
  provisionedConcurrencyOf,
} from "../stack-usage.ts";
import { SECONDS_PER_MONTH, type ServiceEstimator } from "../types.ts";

export const lambda: ServiceEstimator = {
  service: "Lambda",
  prices: ["aws_lambda_function", "aws_lambda_alias", "aws_lambda_provisioned_concurrency_config"],
  estimate: (context) =>
    functionsOf(context).flatMap(({ name, fn }) => {
      const invocations = context.invocations.get(name);
      const measured = context.measured.functions[name];
      if (invocations === undefined || !measured) return [];
      const arch = architectureOf(fn);
      const gb = memoryGb(fn);
      const provisioned = provisionedConcurrencyOf(context.stack, fn);
      const memoryMb = gb * 1024;
      const calls = awsCallsOf(measured);
      // Billed duration is rounded up to the millisecond.
      const gbSeconds =
        (invocations *
          lambdaMilliseconds(measured.warmInvocationMs, memoryMb, calls, context.traffic.awsCallMs) *
          gb) /
        1000;
      const fixed = context.scheduledFunctions.has(name);
      const lines = [
        { item: "requests", quantity: invocations, priceKey: "lambda.requests", fixed },
        provisioned > 0
          ? {
              item: "duration on provisioned concurrency",
              quantity: gbSeconds,
              priceKey: `lambda.provisioned-duration.${arch}`,
              fixed: false,
            }
          : { item: "duration", quantity: gbSeconds, priceKey: `lambda.duration.${arch}`, fixed },
      ];
      if (provisioned > 0)
        lines.push({
          item: "provisioned concurrency",
          quantity: provisioned * gb * SECONDS_PER_MONTH,
          priceKey: `lambda.provisioned.${arch}`,
          fixed: true,
        });
      else {
        // A cold invocation lasts longer than a warm one by the INIT it pays.
        const initMs = lambdaMilliseconds(
          Math.max(0, measured.coldStartMs - measured.warmInvocationMs),
          memoryMb,
          0,
          0,
        );
        lines.push({
          item: "cold starts (INIT)",
          quantity: (invocations * context.traffic.coldStartShare * initMs * gb) / 1000,
          priceKey: `lambda.duration.${arch}`,
          fixed,
        });
      }
      return lines;
    }),
};
