/** One IAM policy statement, written as AWS reads it so policy tests can parse the synthesized JSON. */
export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: "Allow" | "Deny";
  readonly Principal?: "*" | Readonly<Record<string, string | readonly string[]>>;
  readonly Action: string | readonly string[];
  readonly Resource?: string | readonly string[];
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;
}

/**
 * Renders a policy document. Resource ARNs may be cdktf tokens: they resolve to Terraform
 * interpolations inside the JSON string, which keeps the document readable in plans and snapshots.
 */
export function policyDocument(statements: readonly PolicyStatement[]): string {
  if (statements.length === 0) throw new Error("policyDocument: a policy needs at least one statement");
  return JSON.stringify({ Version: "2012-10-17", Statement: statements });
}

export function allow(
  sid: string,
  actions: readonly string[],
  resources: readonly string[],
): PolicyStatement {
  return { Sid: sid, Effect: "Allow", Action: [...actions].sort(), Resource: [...resources] };
}

/** Trust policy letting one AWS service assume a role. */
export function assumeRolePolicy(servicePrincipal: string): string {
  return policyDocument([
    { Effect: "Allow", Principal: { Service: servicePrincipal }, Action: "sts:AssumeRole" },
  ]);
}
