import { resourcesOf } from "../synthesized/stack-json.ts";
import { ESTIMATORS, FREE_RESOURCE_TYPES } from "./estimators/index.ts";
import { functionsOf, isQueueConsumer, scheduledRunsOf } from "./stack-usage.ts";
import type { CostContext, CostLine, Estimate, EstimateInput, Price } from "./types.ts";

/**
 * The monthly cost of one synthesized stack at a number of requests, from three inputs: the stack (what exists and
 * how it is configured), what each function measurably does per invocation (`npm run bench` writes it), and a
 * dated price table. Each AWS service is one `ServiceEstimator` in `cost/estimators/`; a service added to the stack
 * slots in with its estimator, its price rows and, where traffic drives it, its per-request figure in `Traffic`.
 */

export { lambdaMilliseconds } from "./stack-usage.ts";
export * from "./types.ts";

/** The monthly cost of `input.stack` at `input.requests` requests, line by line and per service. */
export function estimateCost(input: EstimateInput, estimators = ESTIMATORS): Estimate {
  if (!(Number.isFinite(input.requests) && input.requests >= 0))
    throw new Error(`requests must be a non-negative number, got ${input.requests}`);
  const notes: string[] = [];
  const priced = new Set([...FREE_RESOURCE_TYPES, ...estimators.flatMap((estimator) => estimator.prices)]);
  for (const type of Object.keys(input.stack.resource).sort())
    if (!priced.has(type) && resourcesOf(input.stack, type).length > 0)
      notes.push(`${type}: no estimator prices it (add one in cost/estimators/), so it is not in the total`);
  const invocations = new Map<string, number>();
  const scheduledFunctions = new Set<string>();
  for (const { name, fn } of functionsOf(input)) {
    const perRequest = input.traffic.invocationsPerRequest[name];
    const scheduled = perRequest === undefined ? scheduledRunsOf(input.stack, fn) : undefined;
    if (scheduled !== undefined) {
      // Runs by the clock: its invocations are the schedules', whatever the traffic.
      if (!input.measured.functions[name])
        notes.push(
          `${fn.values.function_name}: not measured (npm run bench), so its duration and calls are not priced`,
        );
      invocations.set(name, scheduled);
      scheduledFunctions.add(name);
      continue;
    }
    if (perRequest === undefined) {
      notes.push(
        `${fn.values.function_name}: no invocations-per-request figure in the traffic model, so not priced`,
      );
      continue;
    }
    if (!input.measured.functions[name])
      notes.push(
        `${fn.values.function_name}: not measured (npm run bench), so its duration and calls are not priced`,
      );
    const batch = isQueueConsumer(input.stack, fn) ? input.traffic.recordsPerBatch : 1;
    invocations.set(name, (input.requests * perRequest) / batch);
  }
  const price = (key: string): Price => {
    const found = input.prices.prices[key];
    if (!found)
      throw new Error(
        `The price table (${input.prices.region}, ${input.prices.checked}) has no row "${key}"`,
      );
    return found;
  };
  const context: CostContext = {
    ...input,
    invocations,
    scheduledFunctions,
    price,
    note: (text) => notes.push(text),
  };
  const lines = estimators.flatMap((estimator) =>
    mergeLines(
      estimator.estimate(context).map((line) => {
        const { usd, per, unit } = price(line.priceKey);
        return {
          service: estimator.service,
          item: line.item,
          quantity: line.quantity,
          unit,
          usd: (line.quantity / per) * usd,
          fixed: line.fixed,
        };
      }),
    ),
  );
  const byService: Record<string, number> = {};
  for (const line of lines) byService[line.service] = (byService[line.service] ?? 0) + line.usd;
  const totalUsd = lines.reduce((sum, line) => sum + line.usd, 0);
  const fixedUsd = lines.filter((line) => line.fixed).reduce((sum, line) => sum + line.usd, 0);
  const millions = input.requests / 1e6;
  return {
    environment: input.environment,
    requests: input.requests,
    lines,
    byService,
    totalUsd,
    fixedUsd,
    perMillionUsd: millions > 0 ? totalUsd / millions : Number.NaN,
    marginalPerMillionUsd: millions > 0 ? (totalUsd - fixedUsd) / millions : Number.NaN,
    notes,
    pricesChecked: input.prices.checked,
    region: input.prices.region,
    measuredAt: input.measured.measuredAt,
  };
}

/** One line per service and item: the functions' lines of one kind add up. */
function mergeLines(lines: CostLine[]): CostLine[] {
  const merged = new Map<string, CostLine>();
  for (const line of lines) {
    const key = `${line.item}\0${line.unit}`;
    const existing = merged.get(key);
    merged.set(
      key,
      existing
        ? { ...existing, quantity: existing.quantity + line.quantity, usd: existing.usd + line.usd }
        : line,
    );
  }
  return [...merged.values()];
}
