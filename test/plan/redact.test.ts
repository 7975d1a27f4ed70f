import { REDACTED, redactPlan } from "../../scripts/plan/redact.ts";

const SECRET = "SuperSecretApiKeyValue1234567890";

/** A plan as `terraform show -json` writes one for an update of the API key, its value marked sensitive. */
const plan = {
  format_version: "1.2",
  terraform_version: "1.11.4",
  variables: { token: { value: SECRET } },
  planned_values: {
    root_module: { resources: [{ address: "aws_api_gateway_api_key.key", values: { value: SECRET } }] },
  },
  prior_state: {
    values: { root_module: { resources: [{ values: { value: SECRET, name: "crud-prod-items" } }] } },
  },
  configuration: { root_module: { resources: [{ expressions: { value: { constant_value: SECRET } } }] } },
  resource_changes: [
    {
      address: "aws_api_gateway_api_key.key",
      type: "aws_api_gateway_api_key",
      name: "key",
      change: {
        actions: ["update"],
        before: { name: "crud-prod-items", value: SECRET, tags: { Owner: "ops" }, list: [SECRET, "plain"] },
        after: { name: "crud-prod-items-2", value: SECRET, tags: { Owner: "ops" }, list: [SECRET, "plain"] },
        before_sensitive: { value: true, list: [true, false] },
        after_sensitive: { value: true, list: [true, false] },
        after_unknown: { id: false },
      },
    },
  ],
  output_changes: {
    api_key: {
      actions: ["update"],
      before: SECRET,
      after: SECRET,
      before_sensitive: true,
      after_sensitive: true,
    },
  },
};

describe("the plan JSON the workflow publishes", () => {
  it("holds no value Terraform marks sensitive, anywhere", () => {
    const redacted = JSON.stringify(redactPlan(plan));

    expect(JSON.stringify(plan)).toContain(SECRET);
    expect(redacted).not.toContain(SECRET);
    expect(redacted).not.toContain("prior_state");
    expect(redacted).not.toContain("planned_values");
  });

  it("keeps what a reviewer reads: addresses, actions and the non-sensitive values that changed", () => {
    const [change] = redactPlan(plan).resource_changes as Array<{
      address: string;
      change: Record<string, unknown>;
    }>;

    expect(change?.address).toBe("aws_api_gateway_api_key.key");
    expect(change?.change).toEqual({
      actions: ["update"],
      before: { name: "crud-prod-items", value: REDACTED, tags: { Owner: "ops" }, list: [REDACTED, "plain"] },
      after: {
        name: "crud-prod-items-2",
        value: REDACTED,
        tags: { Owner: "ops" },
        list: [REDACTED, "plain"],
      },
      after_unknown: { id: false },
    });
    expect(redactPlan(plan).output_changes).toEqual({
      api_key: { actions: ["update"], before: REDACTED, after: REDACTED, after_unknown: undefined },
    });
  });
});
