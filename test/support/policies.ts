import { asList, type Statement, statementsOf } from "../../synthesized/stack-json.ts";

export interface PolicyDocument {
  Version: string;
  Statement: Statement[];
}

export function parsePolicy(json: unknown): PolicyDocument {
  return { Version: "2012-10-17", Statement: statementsOf(json) };
}

export { asList };

/** Every action a policy allows, as `action on resource` pairs, for compact assertions. */
export function allowedActions(policy: PolicyDocument): string[] {
  return policy.Statement.filter((statement) => statement.Effect === "Allow").flatMap((statement) =>
    asList(statement.Action).flatMap((action) =>
      asList(statement.Resource).map((resource) => `${action} on ${resource}`),
    ),
  );
}
