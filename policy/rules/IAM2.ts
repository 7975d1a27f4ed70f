import { asList, resourcesOf, statementsOf } from "../../synthesized/stack-json.ts";
import { finding, type PolicyRule } from "../rule.ts";

/** Actions without resource-level permissions: the only ones `Resource: "*"` may carry. */
export const ACTIONS_WITHOUT_RESOURCE_LEVEL_PERMISSIONS = new Set([
  "xray:PutTelemetryRecords",
  "xray:PutTraceSegments",
  // Lambda requires it of a stream consumer's role; it lists stream ARNs, never their records.
  "dynamodb:ListStreams",
  // The weekly report reads the service's metrics; CloudWatch cannot scope reading metric data to a resource.
  "cloudwatch:GetMetricData",
]);

export const IAM2: PolicyRule = {
  id: "IAM2",
  title: 'Resource "*" only for actions that have no resource-level permissions',
  rationale: "Everything else can and must name its table, queue, key or connection ARN.",
  mirrors: "checkov CKV_AWS_355, cdk-nag AwsSolutions-IAM5",
  check: (stack) =>
    resourcesOf(stack, "aws_iam_role_policy").flatMap((policy) =>
      statementsOf(policy.values.policy)
        .filter(
          (statement) =>
            statement.Effect === "Allow" && asList(statement.Resource).some((resource) => resource === "*"),
        )
        .flatMap((statement) =>
          asList(statement.Action)
            .filter((action) => !ACTIONS_WITHOUT_RESOURCE_LEVEL_PERMISSIONS.has(action))
            .map((action) => finding("IAM2", policy, `${action} on *`)),
        ),
    ),
};
