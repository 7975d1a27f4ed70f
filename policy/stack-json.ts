import type { EnvironmentConfig } from "../environments/environment-config.ts";

/** A synthesized stack (`cdk.tf.json`), as far as the rules read it. */
export interface StackJson {
  resource: Record<string, Record<string, Record<string, unknown>>>;
  data?: Record<string, Record<string, Record<string, unknown>>>;
  terraform: Record<string, unknown>;
  provider: Record<string, unknown>;
  output?: Record<string, { value: unknown }>;
}

export interface Finding {
  readonly rule: string;
  /** Terraform address, e.g. `aws_sqs_queue.queues_create_01A63A31`. */
  readonly resource: string;
  readonly message: string;
}

export interface RuleContext {
  readonly config: EnvironmentConfig;
}

/** A rule is data (id, title, rationale, what it mirrors) and one pure function over a stack. */
export interface PolicyRule {
  readonly id: string;
  readonly title: string;
  readonly rationale: string;
  /** The checkov / cdk-nag rule it mirrors, where one exists. */
  readonly mirrors?: string;
  check(stack: StackJson, context: RuleContext): Finding[];
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

export function findByReference(stack: StackJson, reference: unknown): StackResource | undefined {
  const match = /^\$\{([a-z0-9_]+)\.([\w-]+)\.[a-z_]+\}$/.exec(String(reference));
  if (!match) return undefined;
  const [, type, id] = match as unknown as [string, string, string];
  const values = stack.resource[type]?.[id];
  return values ? { type, id, address: `${type}.${id}`, values } : undefined;
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

export function finding(rule: string, resource: StackResource | string, message: string): Finding {
  return { rule, resource: typeof resource === "string" ? resource : resource.address, message };
}
