import { resourcesOf, statementsOf } from "../../synthesized/stack-json.ts";
import { finding, type PolicyRule } from "../rule.ts";

export const IAM4: PolicyRule = {
  id: "IAM4",
  title: "Roles trust exactly one AWS service",
  rationale: "A role assumable by accounts or several services is a path around least privilege.",
  check: (stack) =>
    resourcesOf(stack, "aws_iam_role").flatMap((role) =>
      statementsOf(role.values.assume_role_policy).flatMap((statement) => {
        const principal = statement.Principal as { Service?: unknown } | undefined;
        const ok =
          statement.Effect === "Allow" &&
          typeof principal?.Service === "string" &&
          Object.keys(principal).length === 1;
        return ok ? [] : [finding("IAM4", role, `trusts ${JSON.stringify(statement.Principal)}`)];
      }),
    ),
};
