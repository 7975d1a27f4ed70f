import { resourcesOf } from "../../synthesized/stack-json.ts";
import { finding, type PolicyRule } from "../rule.ts";

export const L6: PolicyRule = {
  id: "L6",
  title: "Lambda permissions name the source ARN",
  rationale: "Without it, any API Gateway API in any account could invoke the function (confused deputy).",
  mirrors: "checkov CKV_AWS_364",
  check: (stack) =>
    resourcesOf(stack, "aws_lambda_permission")
      .filter((permission) => !permission.values.source_arn)
      .map((permission) => finding("L6", permission, "no source_arn")),
};
