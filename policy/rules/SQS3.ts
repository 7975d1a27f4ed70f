import { resourcesOf } from "../../synthesized/stack-json.ts";
import { finding, type PolicyRule } from "../rule.ts";

/** Receives a failed message gets before the DLQ, at least and at most. */
export const RECEIVES = { min: 5, max: 10 } as const;

export const SQS3: PolicyRule = {
  id: "SQS3",
  title: "Messages move to the DLQ after 5 to 10 receives",
  rationale:
    "Three receives at the visibility timeout carry every message of a few-minute DynamoDB, SQS or KMS brown-out to " +
    "the DLQ; five or more, with the consumers' growing backoff, ride it out. Poison messages do not need a low " +
    "count: consumers acknowledge permanent faults, so only retryable ones come back, and ten bounds them.",
  check: (stack) =>
    resourcesOf(stack, "aws_sqs_queue")
      .filter((queue) => queue.values.redrive_policy)
      .flatMap((queue) => {
        const count = Number(JSON.parse(String(queue.values.redrive_policy)).maxReceiveCount);
        return count >= RECEIVES.min && count <= RECEIVES.max
          ? []
          : [finding("SQS3", queue, `maxReceiveCount is ${count}, not ${RECEIVES.min} to ${RECEIVES.max}`)];
      }),
};
