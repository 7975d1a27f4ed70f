import { resourcesOf } from "../../synthesized/stack-json.ts";
import { finding, type PolicyRule } from "../rule.ts";

export const SQS3: PolicyRule = {
  id: "SQS3",
  title: "Messages move to the DLQ after 1 to 5 receives",
  rationale: "Few enough that a poison message stops quickly, enough that a transient fault is retried.",
  check: (stack) =>
    resourcesOf(stack, "aws_sqs_queue")
      .filter((queue) => queue.values.redrive_policy)
      .flatMap((queue) => {
        const count = Number(JSON.parse(String(queue.values.redrive_policy)).maxReceiveCount);
        return count >= 1 && count <= 5 ? [] : [finding("SQS3", queue, `maxReceiveCount is ${count}`)];
      }),
};
