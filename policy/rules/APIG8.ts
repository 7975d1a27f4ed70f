import { findByReference, resourcesOf } from "../../synthesized/stack-json.ts";
import { finding, type PolicyRule } from "../rule.ts";

export const APIG8: PolicyRule = {
  id: "APIG8",
  title: "A WebSocket API's $connect route runs an authorizer",
  rationale:
    "A socket receives its user's outcomes: opening one must prove who the user is, before any connection row exists.",
  mirrors: "cdk-nag AwsSolutions-APIG4",
  check: (stack) =>
    resourcesOf(stack, "aws_apigatewayv2_route")
      .filter((route) => route.values.route_key === "$connect")
      .filter(
        (route) =>
          !["CUSTOM", "JWT"].includes(String(route.values.authorization_type)) ||
          !findByReference(stack, route.values.authorizer_id),
      )
      .map((route) => finding("APIG8", route, "$connect has no authorizer")),
};
