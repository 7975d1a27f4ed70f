import { finding, type PolicyRule } from "../rule.ts";
import { streamMappings } from "../stream-mappings.ts";

export const ESM4: PolicyRule = {
  id: "ESM4",
  title:
    "Stream consumers bisect failing batches, bound retries and record age, and report batch item failures",
  rationale:
    "With Lambda's defaults one bad record blocks its shard until the record expires (a day for DynamoDB); bisection isolates it and the bounds let the shard move on.",
  check: (stack) =>
    streamMappings(stack).flatMap((mapping) => {
      const values = mapping.values;
      const problems: string[] = [];
      if (values.bisect_batch_on_function_error !== true)
        problems.push("bisect_batch_on_function_error is not true");
      const retries = Number(values.maximum_retry_attempts ?? -1);
      if (!(retries >= 0)) problems.push("maximum_retry_attempts is unbounded");
      const age = Number(values.maximum_record_age_in_seconds ?? -1);
      if (!(age > 0)) problems.push("maximum_record_age_in_seconds is unbounded");
      if (
        !((values.function_response_types as string[] | undefined) ?? []).includes("ReportBatchItemFailures")
      )
        problems.push("function_response_types lacks ReportBatchItemFailures");
      return problems.map((problem) => finding("ESM4", mapping, problem));
    }),
};
