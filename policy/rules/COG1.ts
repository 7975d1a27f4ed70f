import { resourcesOf } from "../../synthesized/stack-json.ts";
import { finding, type PolicyRule } from "../rule.ts";

/** NIST SP 800-63B's floor for a memorized secret chosen by the user is 8; this service asks for 12. */
const MINIMUM_PASSWORD_LENGTH = 12;

export const COG1: PolicyRule = {
  id: "COG1",
  title:
    "User pools ask for strong passwords, offer TOTP MFA, and in production require it and resist deletion",
  rationale:
    "The user pool is every account of the environment: a weak password or a mistaken destroy loses them all.",
  mirrors: "cdk-nag AwsSolutions-COG1, AwsSolutions-COG2",
  check: (stack, { config }) =>
    resourcesOf(stack, "aws_cognito_user_pool").flatMap((pool) => {
      const findings = [];
      const password = (pool.values.password_policy as { minimum_length?: number } | undefined) ?? {};
      if ((password.minimum_length ?? 0) < MINIMUM_PASSWORD_LENGTH)
        findings.push(
          finding("COG1", pool, `passwords shorter than ${MINIMUM_PASSWORD_LENGTH} characters are accepted`),
        );
      if (!(pool.values.software_token_mfa_configuration as { enabled?: boolean } | undefined)?.enabled)
        findings.push(finding("COG1", pool, "TOTP MFA is not enabled"));
      if (config.tier === "production") {
        if (pool.values.mfa_configuration !== "ON")
          findings.push(finding("COG1", pool, "MFA is not required in production"));
        if (pool.values.deletion_protection !== "ACTIVE")
          findings.push(finding("COG1", pool, "no deletion protection in production"));
      }
      return findings;
    }),
};
