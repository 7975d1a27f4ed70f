import { findByReference, resourcesOf } from "../../synthesized/stack-json.ts";
import { finding, type PolicyRule } from "../rule.ts";

/** What the DLQ must keep a message for beyond its source queue's retention: time for a person to look. */
export const MIN_TRIAGE_SECONDS = 7 * 24 * 60 * 60;

export const SQS7: PolicyRule = {
  id: "SQS7",
  title: "A DLQ keeps messages a week longer than the queues that feed it",
  rationale:
    "A standard queue counts a message's age from its first enqueue, in the DLQ too: with equal retention, a " +
    "message that failed late is deleted from the DLQ almost at once, before anyone sees it.",
  check: (stack) =>
    resourcesOf(stack, "aws_sqs_queue").flatMap((queue) => {
      if (!queue.values.redrive_policy) return [];
      const { deadLetterTargetArn } = JSON.parse(String(queue.values.redrive_policy)) as {
        deadLetterTargetArn: string;
      };
      const deadLetter = findByReference(stack, deadLetterTargetArn);
      const kept = Number(deadLetter?.values.message_retention_seconds ?? 345600);
      const retained = Number(queue.values.message_retention_seconds ?? 345600);
      return kept < retained + MIN_TRIAGE_SECONDS
        ? [finding("SQS7", queue, `its DLQ keeps messages ${kept} s, less than ${retained} s + a week`)]
        : [];
    }),
};
