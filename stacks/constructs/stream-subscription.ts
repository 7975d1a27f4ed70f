import type { LambdaAlias } from "@cdktf/provider-aws/lib/lambda-alias";
import { LambdaEventSourceMapping } from "@cdktf/provider-aws/lib/lambda-event-source-mapping";
import type { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { Construct } from "constructs";

export interface StreamSubscriptionProps {
  readonly streamArn: string;
  /** The consumer: its alias, so the mapping invokes what the alias points at (and its warm capacity). */
  readonly function: LambdaAlias;
  readonly batchSize: number;
  readonly maxBatchingWindowSeconds: number;
  /** Retries of a failing batch before it goes to `onFailure`. */
  readonly maxRetryAttempts: number;
  /** Records older than this go to `onFailure` unprocessed. */
  readonly maxRecordAgeSeconds: number;
  /** Where Lambda describes the records it gave up on (shard and sequence numbers). */
  readonly onFailure: SqsQueue;
}

/**
 * Feeds a DynamoDB stream to one function so that one bad record never blocks its shard: partial batch responses
 * (retry from the failed record), bisection of a failing batch, bounded retries and record age, and an on-failure
 * destination. Starts at the oldest record the stream keeps, so no change committed before the mapping existed is
 * skipped.
 */
export class StreamSubscription extends Construct {
  readonly mapping: LambdaEventSourceMapping;

  constructor(scope: Construct, id: string, props: StreamSubscriptionProps) {
    super(scope, id);
    this.mapping = new LambdaEventSourceMapping(this, "mapping", {
      eventSourceArn: props.streamArn,
      functionName: props.function.arn,
      startingPosition: "TRIM_HORIZON",
      batchSize: props.batchSize,
      maximumBatchingWindowInSeconds: props.maxBatchingWindowSeconds,
      maximumRetryAttempts: props.maxRetryAttempts,
      maximumRecordAgeInSeconds: props.maxRecordAgeSeconds,
      bisectBatchOnFunctionError: true,
      functionResponseTypes: ["ReportBatchItemFailures"],
      destinationConfig: { onFailure: { destinationArn: props.onFailure.arn } },
    });
  }
}
