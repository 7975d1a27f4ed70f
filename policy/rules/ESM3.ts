import { findByReference } from "../../synthesized/stack-json.ts";
import { finding, type PolicyRule } from "../rule.ts";
import { streamMappings } from "../stream-mappings.ts";

export const ESM3: PolicyRule = {
  id: "ESM3",
  title: "Every stream consumer has an on-failure destination of this stack",
  rationale:
    "Records Lambda gives up on (retries or age exhausted) are otherwise skipped without a trace; the destination keeps their shard and sequence numbers for a person.",
  check: (stack) =>
    streamMappings(stack).flatMap((mapping) => {
      const destination = (
        mapping.values.destination_config as { on_failure?: { destination_arn?: string } } | undefined
      )?.on_failure?.destination_arn;
      if (!destination) return [finding("ESM3", mapping, "no destination_config.on_failure")];
      return findByReference(stack, destination)
        ? []
        : [finding("ESM3", mapping, `on-failure destination ${destination} is not a resource of this stack`)];
    }),
};
