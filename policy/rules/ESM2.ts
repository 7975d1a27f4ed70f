import { resourcesOf } from "../../synthesized/stack-json.ts";
import { finding, type PolicyRule } from "../rule.ts";

export const ESM2: PolicyRule = {
  id: "ESM2",
  title: "A queue has one consumer, without filter criteria",
  rationale:
    "Lambda deletes SQS messages that do not match a mapping's filter: filtered consumers sharing a queue lose messages.",
  check: (stack) => {
    const mappings = resourcesOf(stack, "aws_lambda_event_source_mapping");
    const filtered = mappings
      .filter((mapping) => mapping.values.filter_criteria !== undefined)
      .map((mapping) => finding("ESM2", mapping, "has filter_criteria"));
    const byQueue = new Map<string, string[]>();
    for (const mapping of mappings) {
      const queue = String(mapping.values.event_source_arn);
      byQueue.set(queue, [...(byQueue.get(queue) ?? []), mapping.address]);
    }
    const shared = [...byQueue]
      .filter(([, consumers]) => consumers.length > 1)
      .map(([queue, consumers]) =>
        finding("ESM2", consumers[0] as string, `${queue} has ${consumers.length} consumers`),
      );
    return [...filtered, ...shared];
  },
};
