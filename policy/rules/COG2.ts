import { resourcesOf } from "../../synthesized/stack-json.ts";
import { finding, type PolicyRule } from "../rule.ts";

export const COG2: PolicyRule = {
  id: "COG2",
  title:
    "App clients use the code or client-credentials flow, browser clients hold no secret, and sign-in errors do not reveal users",
  rationale:
    "The implicit flow hands tokens over in URLs; a secret shipped to browsers is no secret; and distinct errors for " +
    "unknown users let anyone list the accounts.",
  check: (stack) =>
    resourcesOf(stack, "aws_cognito_user_pool_client").flatMap((client) => {
      const findings = [];
      const flows = (client.values.allowed_oauth_flows as string[] | undefined) ?? [];
      if (flows.includes("implicit")) findings.push(finding("COG2", client, "allows the implicit flow"));
      if (flows.includes("code") && client.values.generate_secret === true)
        findings.push(finding("COG2", client, "a browser (code flow) client with a secret"));
      if (client.values.prevent_user_existence_errors !== "ENABLED")
        findings.push(finding("COG2", client, "sign-in errors reveal whether a user exists"));
      return findings;
    }),
};
