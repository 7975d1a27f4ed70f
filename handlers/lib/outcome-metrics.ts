import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { ERROR_CODES, type ErrorCode, type Operation } from "./contracts.ts";
import { metrics } from "./powertools.ts";

/**
 * One count per answered command, by operation and outcome (`success` or the error code). The weekly report reads
 * these back from CloudWatch: outcomes live a day in the requests table, metrics fifteen months.
 */
export const OUTCOME_METRIC = "CommandOutcome";
export const OUTCOME_KINDS = ["success", ...ERROR_CODES] as const;
export type OutcomeKind = (typeof OUTCOME_KINDS)[number];

/** The dimensions of one count, besides the `service` (the function) Powertools adds to every metric. */
export function outcomeDimensions(operation: Operation, outcome: OutcomeKind) {
  return { operation, outcome };
}

export function countOutcome(operation: Operation, outcome: "success" | ErrorCode): void {
  // A metric of its own: the batch's other metrics carry no operation or outcome dimension.
  const single = metrics.singleMetric();
  single.addDimensions(outcomeDimensions(operation, outcome));
  single.addMetric(OUTCOME_METRIC, MetricUnit.Count, 1);
}
