import { resourcesOf } from "../../synthesized/stack-json.ts";
import { finding, type PolicyRule } from "../rule.ts";

export const L4: PolicyRule = {
  id: "L4",
  title: "Functions reserve the concurrency the environment configures",
  rationale: "A reservation both guarantees capacity and caps the blast radius of a runaway consumer.",
  mirrors: "checkov CKV_AWS_115",
  check: (stack, { config }) => {
    const reserved = config.lambda.reservedConcurrency;
    if (reserved === undefined) return [];
    return resourcesOf(stack, "aws_lambda_function")
      .filter((fn) => fn.values.reserved_concurrent_executions !== reserved)
      .map((fn) => finding("L4", fn, `reserved_concurrent_executions is not ${reserved}`));
  },
};
