import { findByReference, findFunction, resourcesOf } from "../../synthesized/stack-json.ts";
import { finding, type PolicyRule } from "../rule.ts";
import { isStreamMapping } from "../stream-mappings.ts";

export const SQS4: PolicyRule = {
  id: "SQS4",
  title: "A consumed queue's visibility timeout is at least 6x its consumer's timeout",
  rationale: "Lambda's SQS guidance: shorter, and a message reappears while its first delivery still runs.",
  check: (stack) =>
    resourcesOf(stack, "aws_lambda_event_source_mapping").flatMap((mapping) => {
      const queue = findByReference(stack, mapping.values.event_source_arn);
      const fn = findFunction(stack, mapping.values.function_name)?.fn;
      // Stream mappings have no visibility timeout; ESM3 and ESM4 hold them to their own rules.
      if (isStreamMapping(mapping)) return [];
      if (!queue || !fn) return [finding("SQS4", mapping, "cannot resolve its queue or function")];
      const visibility = Number(queue.values.visibility_timeout_seconds ?? 30);
      const timeout = Number(fn.values.timeout ?? 3);
      return visibility >= 6 * timeout
        ? []
        : [
            finding(
              "SQS4",
              queue,
              `visibility ${visibility}s is under 6 x ${timeout}s of ${fn.values.function_name}`,
            ),
          ];
    }),
};
