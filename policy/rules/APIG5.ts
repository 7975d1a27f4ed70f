import { referenceTo, resourcesOf } from "../../synthesized/stack-json.ts";
import { finding, type PolicyRule } from "../rule.ts";

export const APIG5: PolicyRule = {
  id: "APIG5",
  title: "The REST stage has a WAF web ACL where the environment enables one",
  rationale: "Rate limits per IP and AWS's common rules stop floods and known exploit patterns at the edge.",
  mirrors: "cdk-nag AwsSolutions-APIG3",
  check: (stack, { config }) => {
    if (!config.restApi.waf) return [];
    const associated = new Set(
      resourcesOf(stack, "aws_wafv2_web_acl_association").map((association) =>
        String(association.values.resource_arn),
      ),
    );
    return resourcesOf(stack, "aws_api_gateway_stage")
      .filter((stage) => !associated.has(referenceTo(stage, "arn")))
      .map((stage) => finding("APIG5", stage, "no web ACL association"));
  },
};
