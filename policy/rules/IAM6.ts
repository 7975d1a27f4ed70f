import { resourcesOf, statementsOf } from "../../synthesized/stack-json.ts";
import { finding, type PolicyRule } from "../rule.ts";

export const IAM6: PolicyRule = {
  id: "IAM6",
  title: "Roles trusted by an AWS service name the source account (or source ARN)",
  rationale:
    "Without aws:SourceAccount or aws:SourceArn, the service may be made to assume the role on behalf of another " +
    "account's resource: the cross-service confused deputy.",
  check: (stack) =>
    resourcesOf(stack, "aws_iam_role").flatMap((role) =>
      statementsOf(role.values.assume_role_policy)
        .filter((statement) => {
          const principal = statement.Principal as { Service?: unknown } | undefined;
          return statement.Effect === "Allow" && principal?.Service !== undefined;
        })
        .filter((statement) => {
          const conditions = Object.values(statement.Condition ?? {}) as Array<Record<string, unknown>>;
          return !conditions.some(
            (condition) => "aws:SourceAccount" in condition || "aws:SourceArn" in condition,
          );
        })
        .map(() => finding("IAM6", role, "its trust policy names no aws:SourceAccount or aws:SourceArn")),
    ),
};
