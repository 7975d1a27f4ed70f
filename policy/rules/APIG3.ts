import { resourcesOf } from "../../synthesized/stack-json.ts";
import { finding, type PolicyRule } from "../rule.ts";

export const APIG3: PolicyRule = {
  id: "APIG3",
  title: "Every REST method but the CORS preflight requires an API key",
  rationale: "Keys tie traffic to a usage plan's throttle and make a leaked client revocable.",
  check: (stack) =>
    resourcesOf(stack, "aws_api_gateway_method")
      .filter((method) => method.values.http_method !== "OPTIONS" && method.values.api_key_required !== true)
      .map((method) => finding("APIG3", method, "api_key_required is not true")),
};
