import { asList, resourcesOf, statementsOf } from "../../synthesized/stack-json.ts";
import { finding, type PolicyRule } from "../rule.ts";

export const IAM1: PolicyRule = {
  id: "IAM1",
  title: "Role policies name exact actions, no wildcards",
  rationale: "A wildcard grants actions nobody reviewed, including ones AWS adds later.",
  mirrors: "checkov CKV_AWS_63 / CKV_AWS_290, cdk-nag AwsSolutions-IAM5",
  check: (stack) =>
    resourcesOf(stack, "aws_iam_role_policy").flatMap((policy) =>
      statementsOf(policy.values.policy).flatMap((statement) => [
        ...asList(statement.Action)
          .filter((action) => action.includes("*"))
          .map((action) => finding("IAM1", policy, `allows ${action}`)),
        ...(statement.NotAction ? [finding("IAM1", policy, "uses NotAction")] : []),
      ]),
    ),
};
