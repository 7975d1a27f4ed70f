import type { PolicyStatement } from "../../stacks/iam.ts";

export interface PolicyDocument {
  Version: string;
  Statement: PolicyStatement[];
}

export function parsePolicy(json: unknown): PolicyDocument {
  return JSON.parse(String(json)) as PolicyDocument;
}

export function asList(value: string | readonly string[] | undefined): string[] {
  if (value === undefined) return [];
  return typeof value === "string" ? [value] : [...value];
}

/** Every action a policy allows, as `action on resource` pairs, for compact assertions. */
export function allowedActions(policy: PolicyDocument): string[] {
  return policy.Statement.filter((statement) => statement.Effect === "Allow").flatMap((statement) =>
    asList(statement.Action).flatMap((action) =>
      asList(statement.Resource).map((resource) => `${action} on ${resource}`),
    ),
  );
}
