import { resourcesOf } from "../../synthesized/stack-json.ts";
import { websocketRouteFunctions } from "../stack-usage.ts";
import { SECONDS_PER_MONTH, type ServiceEstimator } from "../types.ts";

/** Traces recorded: each REST request starts one (it spans the functions it reaches); each WebSocket route invocation starts its own. */
export const xray: ServiceEstimator = {
  service: "X-Ray",
  prices: [],
  estimate: (context) => {
    const traced = resourcesOf(context.stack, "aws_lambda_function").some(
      (fn) => (fn.values.tracing_config as { mode?: string } | undefined)?.mode === "Active",
    );
    if (!traced) return [];
    const starts =
      context.requests * context.traffic.restCallsPerRequest +
      websocketRouteFunctions(context).reduce((sum, name) => sum + (context.invocations.get(name) ?? 0), 0);
    const { reservoirPerSecond, rate } = context.traffic.tracing;
    const perSecond = starts / SECONDS_PER_MONTH;
    const sampled =
      (Math.min(perSecond, reservoirPerSecond) + rate * Math.max(0, perSecond - reservoirPerSecond)) *
      SECONDS_PER_MONTH;
    return [{ item: "traces recorded", quantity: sampled, priceKey: "xray.traces", fixed: false }];
  },
};
