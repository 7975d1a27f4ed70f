import { CREDENTIAL_PLACEHOLDER } from "../../stacks/defaults.ts";
import { namesStackKey, resourcesOf } from "../../synthesized/stack-json.ts";
import { finding, type PolicyRule } from "../rule.ts";

/** The auth parameter fields that hold a secret. */
const SECRET_FIELDS = [
  ["api_key", "value"],
  ["basic", "password"],
  ["oauth", "client_parameters", "client_secret"],
] as const;

export const EVB4: PolicyRule = {
  id: "EVB4",
  title:
    "Webhook credentials are never in the stack: a placeholder, ignored by Terraform, encrypted with the key",
  rationale:
    "A secret in the synthesized JSON sits in the repository's build output, the plan and the state; EventBridge keeps it in Secrets Manager once an operator sets it.",
  check: (stack) =>
    resourcesOf(stack, "aws_cloudwatch_event_connection").flatMap((connection) => {
      const findings = [];
      const parameters = (connection.values.auth_parameters ?? {}) as Record<string, unknown>;
      for (const path of SECRET_FIELDS) {
        const value = path.reduce<unknown>(
          (node, key) => (node as Record<string, unknown> | undefined)?.[key],
          parameters,
        );
        if (value !== undefined && value !== CREDENTIAL_PLACEHOLDER)
          findings.push(
            finding(
              "EVB4",
              connection,
              `auth_parameters.${path.join(".")} holds a value, not the placeholder`,
            ),
          );
      }
      const ignored =
        (connection.values.lifecycle as { ignore_changes?: string[] } | undefined)?.ignore_changes ?? [];
      if (!ignored.includes("auth_parameters"))
        findings.push(finding("EVB4", connection, "lifecycle.ignore_changes lacks auth_parameters"));
      if (!namesStackKey(connection.values.kms_key_identifier))
        findings.push(finding("EVB4", connection, "kms_key_identifier does not name a key of this stack"));
      return findings;
    }),
};
