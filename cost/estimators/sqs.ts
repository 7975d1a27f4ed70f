import { resourcesOf } from "../../synthesized/stack-json.ts";
import { chunks, functionsOf, isQueueConsumer } from "../stack-usage.ts";
import type { ServiceEstimator } from "../types.ts";

/** SQS requests: sends (per 64 KB chunk), each batch's receive and delete, and the pollers' empty receives. */
export const sqs: ServiceEstimator = {
  service: "SQS",
  prices: ["aws_sqs_queue", "aws_lambda_event_source_mapping"],
  estimate: (context) => {
    const { traffic, requests } = context;
    const sends =
      requests * traffic.commandMessagesPerRequest * chunks(traffic.commandBytes, 65536) +
      functionsOf(context).reduce((sum, { name }) => {
        const measured = context.measured.functions[name];
        return (
          sum +
          (context.invocations.get(name) ?? 0) *
            (measured?.sqsMessages ?? 0) *
            chunks(measured?.sqsBytesPerMessage ?? 0, 65536)
        );
      }, 0);
    const batches = functionsOf(context)
      .filter(({ fn }) => isQueueConsumer(context.stack, fn))
      .reduce((sum, { name }) => sum + (context.invocations.get(name) ?? 0), 0);
    const mappings = resourcesOf(context.stack, "aws_lambda_event_source_mapping").length;
    return [
      { item: "sends", quantity: sends, priceKey: "sqs.requests", fixed: false },
      { item: "receives and deletes", quantity: 2 * batches, priceKey: "sqs.requests", fixed: false },
      {
        item: "pollers' empty receives",
        quantity: mappings * traffic.idleReceivesPerQueuePerMonth,
        priceKey: "sqs.requests",
        fixed: true,
      },
    ];
  },
};
