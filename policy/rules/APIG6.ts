import { resourcesOf } from "../../synthesized/stack-json.ts";
import { finding, type PolicyRule } from "../rule.ts";

export const APIG6: PolicyRule = {
  id: "APIG6",
  title: "The REST stage traces with X-Ray",
  rationale: "The trace of a request starts at the edge.",
  mirrors: "checkov CKV_AWS_73",
  check: (stack) =>
    resourcesOf(stack, "aws_api_gateway_stage")
      .filter((stage) => stage.values.xray_tracing_enabled !== true)
      .map((stage) => finding("APIG6", stage, "xray_tracing_enabled is not true")),
};
