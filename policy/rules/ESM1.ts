import { resourcesOf } from "../../synthesized/stack-json.ts";
import { finding, type PolicyRule } from "../rule.ts";

export const ESM1: PolicyRule = {
  id: "ESM1",
  title: "Every SQS event source mapping reports batch item failures",
  rationale: "Without it, one bad record makes the whole batch retry.",
  check: (stack) =>
    resourcesOf(stack, "aws_lambda_event_source_mapping")
      .filter(
        (mapping) =>
          !(mapping.values.function_response_types as string[] | undefined)?.includes(
            "ReportBatchItemFailures",
          ),
      )
      .map((mapping) => finding("ESM1", mapping, "function_response_types lacks ReportBatchItemFailures")),
};
