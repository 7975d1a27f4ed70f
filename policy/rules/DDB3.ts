import { resourcesOf } from "../../synthesized/stack-json.ts";
import { finding, type PolicyRule } from "../rule.ts";

export const DDB3: PolicyRule = {
  id: "DDB3",
  title: "Tables in production environments have deletion protection",
  rationale: "A mistaken destroy or rename must not delete production data.",
  check: (stack, { config }) =>
    config.tier !== "production"
      ? []
      : resourcesOf(stack, "aws_dynamodb_table")
          .filter((table) => table.values.deletion_protection_enabled !== true)
          .map((table) =>
            finding("DDB3", table, "deletion_protection_enabled is not true in a production environment"),
          ),
};
