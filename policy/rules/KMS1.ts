import { resourcesOf } from "../../synthesized/stack-json.ts";
import { finding, type PolicyRule } from "../rule.ts";

export const KMS1: PolicyRule = {
  id: "KMS1",
  title: "Customer-managed keys rotate",
  rationale: "Yearly rotation limits how much data one key version protects.",
  mirrors: "checkov CKV_AWS_7, cdk-nag AwsSolutions-KMS5",
  check: (stack) =>
    resourcesOf(stack, "aws_kms_key")
      .filter((key) => key.values.enable_key_rotation !== true)
      .map((key) => finding("KMS1", key, "enable_key_rotation is not true")),
};
