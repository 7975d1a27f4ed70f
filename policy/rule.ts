import type { EnvironmentConfig } from "../environments/environment-config.ts";
import type { StackJson, StackResource } from "../synthesized/stack-json.ts";

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

export function finding(rule: string, resource: StackResource | string, message: string): Finding {
  return { rule, resource: typeof resource === "string" ? resource : resource.address, message };
}
