import { findFunction, resourcesOf } from "../../synthesized/stack-json.ts";
import { finding, type PolicyRule } from "../rule.ts";

export const CW2: PolicyRule = {
  id: "CW2",
  title: "Every function that reports batch item failures has an alarm on its failed records",
  rationale:
    "With partial batch responses a failed record never moves the function's Errors metric: only an alarm on " +
    "the function's own failure metric tells anyone.",
  check: (stack) => {
    const watched = new Set(
      resourcesOf(stack, "aws_cloudwatch_metric_alarm")
        .filter((alarm) => alarm.values.metric_name === "RecordFailed")
        .map((alarm) => (alarm.values.dimensions as { service?: string } | undefined)?.service),
    );
    return resourcesOf(stack, "aws_lambda_event_source_mapping")
      .filter(
        (mapping) => ((mapping.values.function_response_types as string[] | undefined) ?? []).length > 0,
      )
      .flatMap((mapping) => {
        const fn = findFunction(stack, mapping.values.function_name)?.fn;
        const service = (fn?.values.environment as { variables?: Record<string, string> } | undefined)
          ?.variables?.POWERTOOLS_SERVICE_NAME;
        return watched.has(service)
          ? []
          : [finding("CW2", mapping, `no RecordFailed alarm for ${service ?? "its function"}`)];
      });
  },
};
