import { resourcesOf } from "../../synthesized/stack-json.ts";
import { MINUTE } from "../stack-usage.ts";
import { SECONDS_PER_MONTH, type ServiceEstimator } from "../types.ts";

/**
 * Keys by the month; requests from SQS (a data key per reuse period per sending and per receiving principal, the
 * formula of SQS's documentation) and DynamoDB (a table key refreshed every five minutes).
 */
export const kms: ServiceEstimator = {
  service: "KMS",
  prices: ["aws_kms_key"],
  estimate: (context) => {
    const { stack } = context;
    const sqsRequests = resourcesOf(stack, "aws_sqs_queue")
      .filter((queue) => queue.values.kms_master_key_id)
      .reduce(
        (sum, queue) =>
          sum + (SECONDS_PER_MONTH / Number(queue.values.kms_data_key_reuse_period_seconds ?? 300)) * 2 * 2,
        0,
      );
    const tableRequests =
      resourcesOf(stack, "aws_dynamodb_table").filter(
        (table) => (table.values.server_side_encryption as { kms_key_arn?: string } | undefined)?.kms_key_arn,
      ).length *
      (SECONDS_PER_MONTH / (5 * MINUTE));
    return [
      {
        item: "customer managed keys",
        quantity: resourcesOf(stack, "aws_kms_key").length,
        priceKey: "kms.keys",
        fixed: true,
      },
      {
        item: "requests from SQS and DynamoDB",
        quantity: sqsRequests + tableRequests,
        priceKey: "kms.requests",
        fixed: true,
      },
    ];
  },
};
