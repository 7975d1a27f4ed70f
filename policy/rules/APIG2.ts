import { findByReference, resourcesOf } from "../../synthesized/stack-json.ts";
import { finding, type PolicyRule } from "../rule.ts";

export const APIG2: PolicyRule = {
  id: "APIG2",
  title: "Methods that take a body validate it, and every method validates its parameters",
  rationale: "API Gateway then refuses bad input before anything is queued.",
  mirrors: "cdk-nag AwsSolutions-APIG2",
  check: (stack) =>
    resourcesOf(stack, "aws_api_gateway_method")
      .filter((method) => method.values.http_method !== "OPTIONS")
      .flatMap((method) => {
        const validator = findByReference(stack, method.values.request_validator_id);
        if (!validator?.values.validate_request_parameters)
          return [finding("APIG2", method, "parameters are not validated")];
        const hasBody = ["POST", "PUT", "PATCH"].includes(String(method.values.http_method));
        if (hasBody && !(validator.values.validate_request_body && method.values.request_models)) {
          return [finding("APIG2", method, "takes a body without validating it against a model")];
        }
        return [];
      }),
};
