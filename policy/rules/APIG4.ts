import { resourcesOf } from "../../synthesized/stack-json.ts";
import { finding, type PolicyRule } from "../rule.ts";

export const APIG4: PolicyRule = {
  id: "APIG4",
  title: "Stages and usage plans are throttled",
  rationale: "Unthrottled, one client can spend the account's Lambda and DynamoDB capacity.",
  check: (stack) => [
    ...resourcesOf(stack, "aws_api_gateway_method_settings")
      .filter((settings) => {
        const values = settings.values.settings as
          | { throttling_burst_limit?: number; throttling_rate_limit?: number }
          | undefined;
        return !(Number(values?.throttling_rate_limit) > 0 && values?.throttling_burst_limit !== undefined);
      })
      .map((settings) => finding("APIG4", settings, "method settings are not throttled")),
    ...resourcesOf(stack, "aws_api_gateway_usage_plan")
      .filter((plan) => !plan.values.throttle_settings)
      .map((plan) => finding("APIG4", plan, "usage plan has no throttle_settings")),
    ...resourcesOf(stack, "aws_apigatewayv2_stage")
      .filter(
        (stage) =>
          !(
            Number(
              (stage.values.default_route_settings as { throttling_rate_limit?: number } | undefined)
                ?.throttling_rate_limit,
            ) > 0
          ),
      )
      .map((stage) => finding("APIG4", stage, "WebSocket stage is not throttled")),
    ...(resourcesOf(stack, "aws_api_gateway_stage").length > 0 &&
    resourcesOf(stack, "aws_api_gateway_method_settings").length === 0
      ? [finding("APIG4", "aws_api_gateway_stage", "no method settings throttle the REST stage")]
      : []),
  ],
};
