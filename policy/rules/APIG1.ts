import { resourcesOf } from "../../synthesized/stack-json.ts";
import { finding, type PolicyRule } from "../rule.ts";

export const APIG1: PolicyRule = {
  id: "APIG1",
  title: "API stages write access logs",
  rationale: "Access logs are the record of who called what, and the first thing an incident needs.",
  mirrors: "checkov CKV_AWS_76, cdk-nag AwsSolutions-APIG1",
  check: (stack) =>
    [...resourcesOf(stack, "aws_api_gateway_stage"), ...resourcesOf(stack, "aws_apigatewayv2_stage")]
      .filter(
        (stage) =>
          !(stage.values.access_log_settings as { destination_arn?: string } | undefined)?.destination_arn,
      )
      .map((stage) => finding("APIG1", stage, "no access_log_settings")),
};
