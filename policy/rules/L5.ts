import { resourcesOf } from "../../synthesized/stack-json.ts";
import { finding, type PolicyRule } from "../rule.ts";

export const L5: PolicyRule = {
  id: "L5",
  title: "Each function logs to its own pre-created log group",
  rationale: "Lambda would otherwise create an unencrypted group with no retention on first invoke.",
  check: (stack) => {
    const groups = new Map(
      resourcesOf(stack, "aws_cloudwatch_log_group").map((group) => [`\${${group.address}.name}`, group]),
    );
    return resourcesOf(stack, "aws_lambda_function").flatMap((fn) => {
      const logging = fn.values.logging_config as { log_group?: string; log_format?: string } | undefined;
      const group = groups.get(String(logging?.log_group));
      if (!group) return [finding("L5", fn, "logging_config.log_group is not a log group of this stack")];
      return group.values.name === `/aws/lambda/${fn.values.function_name}`
        ? []
        : [finding("L5", fn, "its log group is not /aws/lambda/<name>")];
    });
  },
};
