/** The placeholder a value Terraform marks sensitive becomes in what the plan workflow publishes. */
export const REDACTED = "(sensitive)";

/**
 * What a reviewer needs of `terraform show -json`, with every value Terraform marks sensitive replaced: the plan
 * JSON is uploaded as a workflow artifact, readable by anyone who can read the pull request.
 *
 * Kept: each resource change's address, type, actions and before/after values (sensitive paths redacted, per
 * the change's own `before_sensitive`/`after_sensitive` masks), and the output changes likewise. Dropped whole:
 * `prior_state` (the live state, the API key's value among it), `planned_values`, `variables` and
 * `configuration`, which repeat those values without the masks next to them.
 */
export function redactPlan(plan: Record<string, unknown>): Record<string, unknown> {
  const changes = (plan.resource_changes ?? []) as Array<Record<string, unknown>>;
  const outputs = (plan.output_changes ?? {}) as Record<string, Record<string, unknown>>;
  return {
    format_version: plan.format_version,
    terraform_version: plan.terraform_version,
    resource_changes: changes.map((resource) => ({
      address: resource.address,
      type: resource.type,
      name: resource.name,
      ...(resource.index === undefined ? {} : { index: resource.index }),
      change: redactChange(resource.change as Record<string, unknown>),
    })),
    output_changes: Object.fromEntries(
      Object.entries(outputs).map(([name, change]) => [name, redactChange(change)]),
    ),
  };
}

function redactChange(change: Record<string, unknown>): Record<string, unknown> {
  return {
    actions: change.actions,
    before: redact(change.before, change.before_sensitive),
    after: redact(change.after, change.after_sensitive),
    after_unknown: change.after_unknown,
  };
}

/** `value` with every part `mask` marks `true` replaced; a mask mirrors the value's shape, as Terraform writes it. */
export function redact(value: unknown, mask: unknown): unknown {
  if (mask === true) return value === null || value === undefined ? value : REDACTED;
  if (Array.isArray(value))
    return value.map((item, index) => redact(item, Array.isArray(mask) ? mask[index] : undefined));
  if (value !== null && typeof value === "object") {
    const masks = mask !== null && typeof mask === "object" ? (mask as Record<string, unknown>) : {};
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, redact(item, masks[key])]));
  }
  return value;
}
