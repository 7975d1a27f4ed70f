/**
 * Reading a synthesized stack (`cdk.tf.json`): the one module that the policy pack, the local runner, the
 * plan tools and the tests share, so they agree on what a reference, a resource or a policy looks like.
 */

/** A synthesized stack, as far as the project reads it. */
export interface StackJson {
  resource: Record<string, Record<string, Record<string, unknown>>>;
  data?: Record<string, Record<string, Record<string, unknown>>>;
  terraform: Record<string, unknown>;
  provider: Record<string, unknown>;
  output?: Record<string, { value: unknown }>;
}

export interface StackResource {
  readonly type: string;
  readonly id: string;
  readonly address: string;
  readonly values: Record<string, unknown>;
}

export function resourcesOf(stack: StackJson, type: string): StackResource[] {
  return Object.entries(stack.resource[type] ?? {}).map(([id, values]) => ({
    type,
    id,
    address: `${type}.${id}`,
    values,
  }));
}

/** `${aws_x.id.attr}` of a resource, the way one resource refers to another in the synthesized JSON. */
export function referenceTo(resource: StackResource, attribute: string): string {
  return `\${${resource.address}.${attribute}}`;
}

/** The parts of a whole-value reference `${type.id.attribute}`, or undefined for anything else. */
export function parseReference(
  reference: unknown,
): { type: string; id: string; attribute: string } | undefined {
  const match = /^\$\{([a-z0-9_]+)\.([\w-]+)\.([a-z_]+)\}$/.exec(String(reference));
  if (!match) return undefined;
  const [, type, id, attribute] = match as unknown as [string, string, string, string];
  return { type, id, attribute };
}

export function findByReference(stack: StackJson, reference: unknown): StackResource | undefined {
  const parsed = parseReference(reference);
  if (!parsed) return undefined;
  const values = stack.resource[parsed.type]?.[parsed.id];
  return values
    ? { type: parsed.type, id: parsed.id, address: `${parsed.type}.${parsed.id}`, values }
    : undefined;
}

/**
 * The function a reference names, directly (`aws_lambda_function`) or through an alias (`aws_lambda_alias`,
 * whose `function_name` refers to its function): what invokers (mappings, integrations, permissions) target.
 */
export function findFunction(
  stack: StackJson,
  reference: unknown,
): { fn: StackResource; qualifier?: string } | undefined {
  const target = findByReference(stack, reference);
  if (target?.type === "aws_lambda_function") return { fn: target };
  if (target?.type !== "aws_lambda_alias") return undefined;
  const fn = findByReference(stack, target.values.function_name);
  return fn?.type === "aws_lambda_function" ? { fn, qualifier: String(target.values.name) } : undefined;
}

export interface Statement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Principal?: unknown;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  Condition?: Record<string, unknown>;
}

export function statementsOf(policyJson: unknown): Statement[] {
  const document = JSON.parse(String(policyJson)) as { Statement: Statement | Statement[] };
  return Array.isArray(document.Statement) ? document.Statement : [document.Statement];
}

export function asList(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** Whether a value references the ARN of a KMS key declared in the same stack. */
export function namesStackKey(value: unknown): boolean {
  return /^\$\{aws_kms_key\.[\w-]+\.arn\}$/.test(String(value ?? ""));
}

/** The inline policy documents attached to the role with this physical name. */
export function inlinePoliciesOfRole(stack: StackJson, roleName: string): string[] {
  const role = resourcesOf(stack, "aws_iam_role").find((candidate) => candidate.values.name === roleName);
  if (!role) throw new Error(`The stack has no role named ${roleName}`);
  return resourcesOf(stack, "aws_iam_role_policy")
    .filter((policy) => policy.values.role === referenceTo(role, "id"))
    .map((policy) => String(policy.values.policy));
}

/** A nested block as a list: cdktf writes a block of at most one as an object, a repeatable one as a list. */
export function blocksOf<T = Record<string, unknown>>(value: unknown): T[] {
  if (value === undefined || value === null) return [];
  return (Array.isArray(value) ? value : [value]) as T[];
}
