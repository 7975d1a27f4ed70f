import { asList, resourcesOf, statementsOf } from "../../synthesized/stack-json.ts";
import { finding, type PolicyRule } from "../rule.ts";

export const SQS5: PolicyRule = {
  id: "SQS5",
  title: "Every queue refuses requests without TLS",
  rationale: "A queue policy denying aws:SecureTransport=false keeps messages off plain HTTP.",
  mirrors: "cdk-nag AwsSolutions-SQS4",
  check: (stack) => {
    const protectedQueues = new Set(
      resourcesOf(stack, "aws_sqs_queue_policy")
        .filter((policy) =>
          statementsOf(policy.values.policy).some(
            (statement) =>
              statement.Effect === "Deny" &&
              asList(statement.Action).some((action) => action === "sqs:*") &&
              JSON.stringify(statement.Condition) ===
                JSON.stringify({ Bool: { "aws:SecureTransport": "false" } }),
          ),
        )
        .map((policy) => String(policy.values.queue_url)),
    );
    return resourcesOf(stack, "aws_sqs_queue")
      .filter((queue) => !protectedQueues.has(`\${${queue.address}.url}`))
      .map((queue) => finding("SQS5", queue, "no queue policy denies insecure transport"));
  },
};
