import { resourcesOf } from "../../synthesized/stack-json.ts";
import { finding, type PolicyRule } from "../rule.ts";

export const LOG2: PolicyRule = {
  id: "LOG2",
  title: "Log groups have a retention period",
  rationale: "Logs kept forever cost money and keep personal data longer than needed.",
  mirrors: "checkov CKV_AWS_66",
  check: (stack) =>
    resourcesOf(stack, "aws_cloudwatch_log_group")
      .filter((group) => !(Number(group.values.retention_in_days) > 0))
      .map((group) => finding("LOG2", group, "retention_in_days is not set")),
};
