import { namesStackKey, resourcesOf } from "../../synthesized/stack-json.ts";
import { finding, type PolicyRule } from "../rule.ts";

export const SNS1: PolicyRule = {
  id: "SNS1",
  title: "Topics are encrypted with the customer-managed key",
  rationale: "Alarm notifications name resources and failures.",
  mirrors: "checkov CKV_AWS_26",
  check: (stack) =>
    resourcesOf(stack, "aws_sns_topic")
      .filter((topic) => !namesStackKey(topic.values.kms_master_key_id))
      .map((topic) => finding("SNS1", topic, "kms_master_key_id does not name a key of this stack")),
};
