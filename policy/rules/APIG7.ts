import { findByReference, resourcesOf } from "../../synthesized/stack-json.ts";
import { finding, type PolicyRule } from "../rule.ts";

export const APIG7: PolicyRule = {
  id: "APIG7",
  title: "Every REST method but the CORS preflights is authorized by a user pool, with scopes",
  rationale:
    "An API key is metering, not identity: without an authorizer anyone holding the public key may call the " +
    "route, and without scopes an ID token, meant for the client and not for APIs, is accepted.",
  mirrors: "cdk-nag AwsSolutions-APIG4, AwsSolutions-COG4",
  check: (stack) =>
    resourcesOf(stack, "aws_api_gateway_method")
      .filter((method) => method.values.http_method !== "OPTIONS")
      .flatMap((method) => {
        const authorizer = findByReference(stack, method.values.authorizer_id);
        if (
          method.values.authorization !== "COGNITO_USER_POOLS" ||
          authorizer?.values.type !== "COGNITO_USER_POOLS"
        )
          return [finding("APIG7", method, "not authorized by a Cognito user-pool authorizer")];
        const scopes = (method.values.authorization_scopes as string[] | undefined) ?? [];
        return scopes.length === 0
          ? [finding("APIG7", method, "no authorization scopes: ID tokens would pass")]
          : [];
      }),
};
