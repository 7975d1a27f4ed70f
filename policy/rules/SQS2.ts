import { deadLetterQueueReferences } from "../../synthesized/dead-letter-queues.ts";
import { findByReference, resourcesOf } from "../../synthesized/stack-json.ts";
import { finding, type PolicyRule } from "../rule.ts";

export const SQS2: PolicyRule = {
  id: "SQS2",
  title: "Every work queue redrives to a dead-letter queue",
  rationale: "A message that keeps failing must be set aside for a person, not retried until it expires.",
  mirrors: "cdk-nag AwsSolutions-SQS3",
  check: (stack) => {
    const deadLetterQueues = deadLetterQueueReferences(stack);
    return resourcesOf(stack, "aws_sqs_queue")
      .filter((queue) => !deadLetterQueues.has(`\${${queue.address}.arn}`))
      .flatMap((queue) => {
        if (!queue.values.redrive_policy) return [finding("SQS2", queue, "no redrive_policy")];
        const target = JSON.parse(String(queue.values.redrive_policy)).deadLetterTargetArn;
        return findByReference(stack, target)
          ? []
          : [finding("SQS2", queue, `dead-letter target ${target} is not a queue of this stack`)];
      });
  },
};
