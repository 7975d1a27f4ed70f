import type { LambdaAlias } from "@cdktf/provider-aws/lib/lambda-alias";
import { LambdaEventSourceMapping } from "@cdktf/provider-aws/lib/lambda-event-source-mapping";
import type { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
import type { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { Construct } from "constructs";

export interface QueueSubscriptionProps {
  readonly queue: SqsQueue;
  /** The consumer: its alias, so the mapping invokes what the alias points at (and its warm capacity). */
  readonly function: LambdaAlias | LambdaFunction;
  readonly batchSize: number;
  readonly maxBatchingWindowSeconds: number;
  readonly maxConcurrency: number;
}

/**
 * Feeds one queue to one function with partial batch responses. Deliberately without filter criteria:
 * Lambda deletes SQS messages that do not match a filter, so a queue has exactly one consumer.
 */
export class QueueSubscription extends Construct {
  constructor(scope: Construct, id: string, props: QueueSubscriptionProps) {
    super(scope, id);
    new LambdaEventSourceMapping(this, "mapping", {
      eventSourceArn: props.queue.arn,
      functionName: props.function.arn,
      batchSize: props.batchSize,
      maximumBatchingWindowInSeconds: props.maxBatchingWindowSeconds,
      functionResponseTypes: ["ReportBatchItemFailures"],
      scalingConfig: { maximumConcurrency: props.maxConcurrency },
    });
  }
}
