import { asList, resourcesOf, statementsOf } from "../../synthesized/stack-json.ts";
import { finding, type PolicyRule } from "../rule.ts";

export const IAM5: PolicyRule = {
  id: "IAM5",
  title: "Roles use KMS keys only through the services that encrypt for them (kms:ViaService)",
  rationale:
    "A role that may decrypt directly can read anything encrypted with the key once its credentials leak; through " +
    "SQS and DynamoDB only, it reads only what those services give it.",
  check: (stack) =>
    resourcesOf(stack, "aws_iam_role_policy").flatMap((policy) =>
      statementsOf(policy.values.policy)
        .filter(
          (statement) =>
            statement.Effect === "Allow" &&
            asList(statement.Action).some((action) => action.startsWith("kms:")),
        )
        .filter((statement) => {
          const conditions = Object.values(statement.Condition ?? {}) as Array<Record<string, unknown>>;
          return !conditions.some((condition) => "kms:ViaService" in condition);
        })
        .map((statement) =>
          finding("IAM5", policy, `${statement.Sid ?? "a statement"} uses KMS without kms:ViaService`),
        ),
    ),
};
