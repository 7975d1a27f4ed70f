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

/**
 * Trust policy letting one AWS service assume a role, and only on behalf of this account: without
 * `aws:SourceAccount`, the service could be made to assume it for a resource of another account (the
 * cross-service confused deputy).
 */
export function assumeRolePolicy(servicePrincipal: string, accountId: string): string {
  return policyDocument([
    {
      Effect: "Allow",
      Principal: { Service: servicePrincipal },
      Action: "sts:AssumeRole",
      Condition: { StringEquals: { "aws:SourceAccount": accountId } },
    },
  ]);
}

/** The environment's key, and where the services that use it on a role's behalf answer (for `kms:ViaService`). */
export interface ServiceKey {
  readonly arn: string;
  readonly region: string;
  /** The partition's DNS suffix, `amazonaws.com` in the commercial partition. */
  readonly dnsSuffix: string;
}

/** Services that encrypt with the environment's key on a role's behalf. */
export type KeyService = "sqs" | "dynamodb" | "sns" | "secretsmanager" | "scheduler" | "s3";

/**
 * Key use on behalf of a role, only through the services that encrypt for it (SQS for queues, DynamoDB for
 * tables, S3 for objects): the role's credentials alone cannot decrypt anything with the key.
 */
export function useKeyVia(
  key: ServiceKey,
  actions: readonly string[],
  services: ReadonlyArray<KeyService>,
): PolicyStatement {
  return {
    ...allow("UseServiceKey", actions, [key.arn]),
    Condition: {
      StringEquals: {
        "kms:ViaService": [...new Set(services)]
          .sort()
          .map((service) => `${service}.${key.region}.${key.dnsSuffix}`),
      },
    },
  };
}
