import { resourcesOf } from "../../synthesized/stack-json.ts";
import { finding, type PolicyRule } from "../rule.ts";

export const DDB2: PolicyRule = {
  id: "DDB2",
  title: "Point-in-time recovery is on for every table",
  rationale: "A bad deploy or a bad write can be rolled back to any second of the last 35 days.",
  mirrors: "checkov CKV_AWS_28, cdk-nag AwsSolutions-DDB3",
  check: (stack) =>
    resourcesOf(stack, "aws_dynamodb_table")
      .filter(
        (table) =>
          (table.values.point_in_time_recovery as { enabled?: boolean } | undefined)?.enabled !== true,
      )
      .map((table) => finding("DDB2", table, "point_in_time_recovery is not enabled")),
};
