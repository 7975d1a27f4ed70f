import { resourcesOf, statementsOf } from "../../synthesized/stack-json.ts";
import { finding, type PolicyRule } from "../rule.ts";

export const KMS2: PolicyRule = {
  id: "KMS2",
  title: "Key policies grant no open principal, and services only with a condition",
  rationale:
    "A `*` or unconditioned service principal would let other accounts use the key through that service.",
  mirrors: "checkov CKV_AWS_33",
  check: (stack, { config }) =>
    resourcesOf(stack, "aws_kms_key").flatMap((key) =>
      statementsOf(key.values.policy)
        .filter((statement) => statement.Effect === "Allow")
        .flatMap((statement) => {
          const principal = statement.Principal as "*" | { AWS?: string; Service?: string } | undefined;
          const where = statement.Sid ?? "a statement";
          if (principal === "*" || principal?.AWS === "*") {
            return statement.Condition ? [] : [finding("KMS2", key, `${where} allows * without a condition`)];
          }
          if (principal?.Service && !statement.Condition) {
            return [finding("KMS2", key, `${where} allows ${principal.Service} without a condition`)];
          }
          if (principal?.AWS && !String(principal.AWS).includes(`:${config.accountId}:`)) {
            return [finding("KMS2", key, `${where} allows a principal outside account ${config.accountId}`)];
          }
          return [];
        }),
    ),
};
