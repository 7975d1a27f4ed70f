import { readFileSync } from "node:fs";
import path from "node:path";
import { inject } from "vitest";
import { resourcesOf, type StackJson } from "../../synthesized/stack-json.ts";

/** A synthesized stack as the tests read it: the policy pack's view, with its outputs. */
export type TerraformJson = StackJson & { output: Record<string, { value: unknown }> };

/** The synthesized stack of one environment, from the run's global synth. */
export function synthesizedStack(environment: string): TerraformJson {
  const file = path.join(inject("synthOutdir"), "stacks", environment, "cdk.tf.json");
  return JSON.parse(readFileSync(file, "utf8")) as TerraformJson;
}

/** Bundle folders of the run's global synth (the same ones the stacks copy into their assets). */
export function bundlesFolder(): string {
  return path.join(inject("synthOutdir"), "bundles");
}

/** All resources of one Terraform type, keyed by logical id: `stack.resource[type]`, never undefined. */
export function resourcesOfType(stack: StackJson, type: string): Record<string, Record<string, unknown>> {
  return Object.fromEntries(resourcesOf(stack, type).map((resource) => [resource.id, resource.values]));
}
