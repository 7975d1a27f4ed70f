import type { StackJson, StackResource } from "../synthesized/stack-json.ts";
import { parseReference, resourcesOf } from "../synthesized/stack-json.ts";

/**
 * The runner's extension point. Each AWS service the runner stands in for is one `LocalEmulation`: the
 * resource types it serves, and the local value of each attribute a function's environment may refer to
 * (a table's name, a queue's URL, a stage's URL). A new service in the stack gets its emulation here, in
 * the same change; until then the runner still starts, says what it does not emulate, and hands functions a
 * value that names the missing piece.
 */
export interface LocalEmulation {
  /** The AWS service, for messages. */
  readonly service: string;
  /** Local value of `${<type>.<id>.<attribute>}` per resource type; undefined for an attribute it lacks. */
  readonly references: Readonly<
    Record<string, (resource: StackResource, attribute: string) => string | undefined>
  >;
  /** Further resource types this emulation serves without a referable attribute. */
  readonly alsoServes?: readonly string[];
}

/**
 * Resource types with nothing to emulate on one machine: identity and access, encryption, logs, metrics,
 * alarms, WAF, providers' settings. Their effect is checked where it lives (policy pack, IAM simulation).
 */
export const NOT_EMULATED_BY_DESIGN: readonly string[] = [
  "aws_iam_role",
  "aws_iam_role_policy",
  "aws_kms_key",
  "aws_kms_alias",
  "aws_cloudwatch_log_group",
  "aws_cloudwatch_metric_alarm",
  "aws_cloudwatch_dashboard",
  "aws_sns_topic_subscription",
  "aws_sqs_queue_policy",
  "aws_sqs_queue_redrive_allow_policy",
  "aws_lambda_permission",
  "aws_api_gateway_account",
  "aws_api_gateway_deployment",
  "aws_api_gateway_stage",
  "aws_api_gateway_method_settings",
  "aws_api_gateway_api_key",
  "aws_api_gateway_usage_plan",
  "aws_api_gateway_usage_plan_key",
  "aws_wafv2_web_acl",
  "aws_wafv2_web_acl_association",
  // Terraform's own bookkeeping: it only triggers replacements in a plan.
  "terraform_data",
];

/** The value a function receives for a reference no emulation resolves: visibly wrong, naming what is missing. */
export function unresolvedValue(expression: string): string {
  return `not-emulated-locally:${expression}`;
}

export interface ResolvedEnvironment {
  readonly variables: Record<string, string>;
  /** `VARIABLE: expression` for each reference no emulation could resolve. */
  readonly unresolved: string[];
}

/**
 * Resolves the Terraform expressions the stack puts in a function's environment (`${type.id.attribute}`,
 * `replace(<expression>, "from", "to")`, which the stack uses on the WebSocket stage URL, and
 * `join("sep", [<expression>, ...])`) to local values.
 */
export function resolveEnvironment(
  stack: StackJson,
  environment: Readonly<Record<string, string>>,
  emulations: readonly LocalEmulation[],
): ResolvedEnvironment {
  const unresolved: string[] = [];
  const reference = (expression: string): string | undefined => {
    const parsed = parseReference(`\${${expression}}`);
    if (!parsed) return undefined;
    const values = stack.resource[parsed.type]?.[parsed.id];
    if (!values)
      throw new Error(`The stack refers to ${parsed.type}.${parsed.id}, which it does not declare`);
    const resource: StackResource = {
      type: parsed.type,
      id: parsed.id,
      address: `${parsed.type}.${parsed.id}`,
      values,
    };
    for (const emulation of emulations) {
      const value = emulation.references[parsed.type]?.(resource, parsed.attribute);
      if (value !== undefined) return value;
    }
    return undefined;
  };
  const evaluate = (expression: string): string | undefined => {
    const replace = /^replace\((.+), "([^"]*)", "([^"]*)"\)$/.exec(expression);
    if (replace)
      return evaluate(replace[1] as string)?.replaceAll(replace[2] as string, replace[3] as string);
    const join = /^join\("([^"]*)", \[(.*)\]\)$/.exec(expression);
    if (join) {
      const parts = (join[2] as string).split(",").map((part) => evaluate(part.trim()));
      return parts.every((part) => part !== undefined) ? parts.join(join[1] as string) : undefined;
    }
    return reference(expression);
  };
  const variables = Object.fromEntries(
    Object.entries(environment).map(([name, value]) => [
      name,
      value.replace(/\$\{(.+)\}/g, (_, expression: string) => {
        const resolved = evaluate(expression);
        if (resolved !== undefined) return resolved;
        unresolved.push(`${name}: \${${expression}}`);
        return unresolvedValue(expression);
      }),
    ]),
  );
  return { variables, unresolved };
}

/** Resource types in the stack that no emulation serves and that are not left out by design. */
export function unemulatedResourceTypes(stack: StackJson, emulations: readonly LocalEmulation[]): string[] {
  const served = new Set([
    ...NOT_EMULATED_BY_DESIGN,
    ...emulations.flatMap((emulation) => [
      ...Object.keys(emulation.references),
      ...(emulation.alsoServes ?? []),
    ]),
  ]);
  return Object.keys(stack.resource)
    .filter((type) => resourcesOf(stack, type).length > 0 && !served.has(type))
    .sort();
}
