import { resourcesOf } from "../../synthesized/stack-json.ts";
import { finding, type PolicyRule } from "../rule.ts";

export const CW1: PolicyRule = {
  id: "CW1",
  title: "Every queue, the DLQ and every function has an alarm",
  rationale: "Backlogs, dead letters, errors and throttles must reach a person, not wait on a dashboard.",
  check: (stack) => {
    const alarms = resourcesOf(stack, "aws_cloudwatch_metric_alarm");
    const watched = (dimension: string, name: string, metric: string) =>
      alarms.some(
        (alarm) =>
          alarm.values.metric_name === metric &&
          (alarm.values.dimensions as Record<string, string> | undefined)?.[dimension] === name,
      );
    const queues = resourcesOf(stack, "aws_sqs_queue");
    return [
      ...queues.flatMap((queue) => {
        const name = String(queue.values.name);
        const isDeadLetter = !queue.values.redrive_policy;
        const metric = isDeadLetter ? "ApproximateNumberOfMessagesVisible" : "ApproximateAgeOfOldestMessage";
        return watched("QueueName", name, metric) ? [] : [finding("CW1", queue, `no ${metric} alarm`)];
      }),
      ...resourcesOf(stack, "aws_lambda_function").flatMap((fn) =>
        ["Errors", "Throttles"]
          .filter((metric) => !watched("FunctionName", String(fn.values.function_name), metric))
          .map((metric) => finding("CW1", fn, `no ${metric} alarm`)),
      ),
    ];
  },
};
