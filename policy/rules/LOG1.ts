import { namesStackKey, resourcesOf } from "../../synthesized/stack-json.ts";
import { finding, type PolicyRule } from "../rule.ts";

export const LOG1: PolicyRule = {
  id: "LOG1",
  title: "Log groups are encrypted with the customer-managed key",
  rationale: "Logs hold request ids, payload fragments and errors.",
  mirrors: "checkov CKV_AWS_158",
  check: (stack) =>
    resourcesOf(stack, "aws_cloudwatch_log_group")
      .filter((group) => !namesStackKey(group.values.kms_key_id))
      .map((group) => finding("LOG1", group, "kms_key_id does not name a key of this stack")),
};
