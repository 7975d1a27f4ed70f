import { resourcesOf } from "../../synthesized/stack-json.ts";
import { finding, type PolicyRule } from "../rule.ts";

export const L1: PolicyRule = {
  id: "L1",
  title: "Functions trace actively with X-Ray",
  rationale: "A request crosses API Gateway, SQS, Lambda and DynamoDB; traces show where time and errors go.",
  mirrors: "checkov CKV_AWS_50",
  check: (stack) =>
    resourcesOf(stack, "aws_lambda_function")
      .filter((fn) => (fn.values.tracing_config as { mode?: string } | undefined)?.mode !== "Active")
      .map((fn) => finding("L1", fn, "tracing_config.mode is not Active")),
};
