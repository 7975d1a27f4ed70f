import { namesStackKey, resourcesOf } from "../../synthesized/stack-json.ts";
import { finding, type PolicyRule } from "../rule.ts";

export const DDB1: PolicyRule = {
  id: "DDB1",
  title: "Tables are encrypted with the customer-managed key",
  rationale: "Items and outcomes are customer data; the CMK makes access auditable and revocable.",
  mirrors: "checkov CKV_AWS_119",
  check: (stack) =>
    resourcesOf(stack, "aws_dynamodb_table")
      .filter((table) => {
        const sse = table.values.server_side_encryption as
          | { enabled?: boolean; kms_key_arn?: string }
          | undefined;
        return !(sse?.enabled === true && namesStackKey(sse.kms_key_arn));
      })
      .map((table) => finding("DDB1", table, "server_side_encryption does not use a key of this stack")),
};
