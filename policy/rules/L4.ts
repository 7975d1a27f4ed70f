import { resourcesOf } from "../../synthesized/stack-json.ts";
import { finding, type PolicyRule } from "../rule.ts";

export const L4: PolicyRule = {
  id: "L4",
  title: "Functions reserve concurrency, at most what the environment configures",
  rationale:
    "A reservation both guarantees capacity and caps the blast radius of a runaway consumer; a function that needs " +
    "less (a job that runs once at a time, the importer) reserves less, so the account keeps the rest.",
  mirrors: "checkov CKV_AWS_115",
  check: (stack, { config }) => {
    const reserved = config.lambda.reservedConcurrency;
    if (reserved === undefined) return [];
    return resourcesOf(stack, "aws_lambda_function")
      .filter((fn) => {
        const own = fn.values.reserved_concurrent_executions;
        return !(typeof own === "number" && Number.isInteger(own) && own >= 1 && own <= reserved);
      })
      .map((fn) => finding("L4", fn, `reserved_concurrent_executions is not from 1 to ${reserved}`));
  },
};
