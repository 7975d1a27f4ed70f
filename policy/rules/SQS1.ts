import { namesStackKey, resourcesOf } from "../../synthesized/stack-json.ts";
import { finding, type PolicyRule } from "../rule.ts";

export const SQS1: PolicyRule = {
  id: "SQS1",
  title: "Queues are encrypted with the customer-managed key",
  rationale: "Messages carry item data; a CMK keeps who can read them under the account's control.",
  mirrors: "checkov CKV_AWS_27, cdk-nag AwsSolutions-SQS2",
  check: (stack) =>
    resourcesOf(stack, "aws_sqs_queue")
      .filter((queue) => !namesStackKey(queue.values.kms_master_key_id))
      .map((queue) => finding("SQS1", queue, "kms_master_key_id does not name a key of this stack")),
};
