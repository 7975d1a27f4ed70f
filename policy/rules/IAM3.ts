import { resourcesOf } from "../../synthesized/stack-json.ts";
import { finding, type PolicyRule } from "../rule.ts";

export const IAM3: PolicyRule = {
  id: "IAM3",
  title: "No managed policies",
  rationale: "Managed policies grant more than one function needs and change without review.",
  mirrors: "cdk-nag AwsSolutions-IAM4",
  check: (stack) => [
    ...resourcesOf(stack, "aws_iam_role_policy_attachment").map((attachment) =>
      finding("IAM3", attachment, "attaches a managed policy"),
    ),
    ...resourcesOf(stack, "aws_iam_policy_attachment").map((attachment) =>
      finding("IAM3", attachment, "attaches a managed policy"),
    ),
    ...resourcesOf(stack, "aws_iam_role")
      .filter((role) => role.values.managed_policy_arns !== undefined)
      .map((role) => finding("IAM3", role, "sets managed_policy_arns")),
  ],
};
