import { findByReference, namesStackKey, resourcesOf } from "../../synthesized/stack-json.ts";
import { finding, type PolicyRule } from "../rule.ts";

export const EVB3: PolicyRule = {
  id: "EVB3",
  title:
    "Custom event buses are encrypted with the customer-managed key and dead-letter what it cannot encrypt",
  rationale:
    "Events carry item data; with a customer-managed key, an event EventBridge cannot encrypt or decrypt is dropped unless the bus has a DLQ.",
  check: (stack) =>
    resourcesOf(stack, "aws_cloudwatch_event_bus").flatMap((bus) => [
      ...(namesStackKey(bus.values.kms_key_identifier)
        ? []
        : [finding("EVB3", bus, "kms_key_identifier does not name a key of this stack")]),
      ...(findByReference(stack, (bus.values.dead_letter_config as { arn?: string } | undefined)?.arn)
        ?.type === "aws_sqs_queue"
        ? []
        : [finding("EVB3", bus, "dead_letter_config does not name a queue of this stack")]),
    ]),
};
