import { resourcesOf } from "../../synthesized/stack-json.ts";
import { functionsReferring } from "../stack-usage.ts";
import type { ServiceEstimator } from "../types.ts";

/**
 * Secrets Manager bills each secret per month and its API calls. A function that names a secret in its environment
 * reads it at most once per invocation (the canary keeps it a quarter of an hour per execution environment, so this
 * is the upper bound).
 */
export const secretsManager: ServiceEstimator = {
  service: "Secrets Manager",
  prices: ["aws_secretsmanager_secret", "aws_secretsmanager_secret_version"],
  estimate: (context) => {
    const secrets = resourcesOf(context.stack, "aws_secretsmanager_secret").length;
    if (secrets === 0) return [];
    const calls = functionsReferring(context, "aws_secretsmanager_secret").reduce(
      (sum, name) => sum + (context.invocations.get(name) ?? 0),
      0,
    );
    return [
      { item: "secrets", quantity: secrets, priceKey: "secretsmanager.secrets", fixed: true },
      {
        item: "GetSecretValue calls",
        quantity: calls,
        priceKey: "secretsmanager.api-calls",
        fixed: [...context.scheduledFunctions].length > 0,
      },
    ];
  },
};
