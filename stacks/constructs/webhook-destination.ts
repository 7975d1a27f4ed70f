import { CloudwatchEventApiDestination } from "@cdktf/provider-aws/lib/cloudwatch-event-api-destination";
import { CloudwatchEventConnection } from "@cdktf/provider-aws/lib/cloudwatch-event-connection";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { DataResource } from "cdktf";
import { Construct } from "constructs";
import type { DeliveryRetry, WebhookAuthorization } from "../../environments/environment-config.ts";
import { CREDENTIAL_PLACEHOLDER } from "../defaults.ts";
import { allow, assumeRolePolicy, policyDocument } from "../iam.ts";
import { EventRuleTarget } from "./event-rule-target.ts";

export interface WebhookDestinationProps {
  /** Physical name of the connection, API destination, rule, role and (with `-dlq`) dead-letter queue. */
  readonly resourceName: string;
  readonly endpoint: string;
  readonly httpMethod: "POST" | "PUT";
  readonly rateLimitPerSecond: number;
  readonly retry: DeliveryRetry;
  readonly authorization: WebhookAuthorization;
  readonly eventBusName: string;
  /** The rule's pattern, source included. */
  readonly eventPattern: Readonly<Record<string, unknown>>;
  readonly kmsKeyArn: string;
  readonly eventsPrincipal: string;
  /** The account whose rules alone may assume the invocation role. */
  readonly accountId: string;
}

/**
 * A webhook fed from the bus: an EventBridge connection (credentials kept by EventBridge in Secrets Manager,
 * encrypted with the environment's key), an API destination with its invocation rate limit, a role that may
 * invoke exactly that destination, and a rule whose target retries and dead-letters as configured.
 */
export class WebhookDestination extends Construct {
  readonly target: EventRuleTarget;
  readonly apiDestination: CloudwatchEventApiDestination;

  constructor(scope: Construct, id: string, props: WebhookDestinationProps) {
    super(scope, id);
    const { authorization } = props;
    // EventBridge keeps a connection's credentials across updates, and Terraform ignores them: a webhook moved to
    // another host would send it the old host's secret. A new origin replaces the connection instead, which
    // starts again from the placeholder until an operator sets the new host's secret.
    const endpointOrigin = new DataResource(this, "endpoint-origin", {
      triggersReplace: { origin: new URL(props.endpoint).origin },
    });
    const connection = new CloudwatchEventConnection(this, "connection", {
      name: props.resourceName,
      description: `Credentials for ${props.endpoint}`,
      authorizationType: authorization.type,
      authParameters:
        authorization.type === "API_KEY"
          ? { apiKey: { key: authorization.headerName, value: CREDENTIAL_PLACEHOLDER } }
          : { basic: { username: authorization.username, password: CREDENTIAL_PLACEHOLDER } },
      kmsKeyIdentifier: props.kmsKeyArn,
      lifecycle: {
        ignoreChanges: ["auth_parameters"],
        // A bare address: cdktf would write a dependable as "${...}", which this meta-argument refuses.
        replaceTriggeredBy: [`${DataResource.tfResourceType}.${endpointOrigin.friendlyUniqueId}`],
      },
    });
    this.apiDestination = new CloudwatchEventApiDestination(this, "destination", {
      name: props.resourceName,
      connectionArn: connection.arn,
      invocationEndpoint: props.endpoint,
      httpMethod: props.httpMethod,
      invocationRateLimitPerSecond: props.rateLimitPerSecond,
    });
    const role = new IamRole(this, "role", {
      name: props.resourceName,
      assumeRolePolicy: assumeRolePolicy(props.eventsPrincipal, props.accountId),
    });
    new IamRolePolicy(this, "policy", {
      name: "least-privilege",
      role: role.id,
      policy: policyDocument([
        allow("InvokeThisDestination", ["events:InvokeApiDestination"], [this.apiDestination.arn]),
      ]),
    });
    this.target = new EventRuleTarget(this, "delivery", {
      ruleName: props.resourceName,
      description: `Item events for ${props.endpoint}`,
      eventBusName: props.eventBusName,
      eventPattern: props.eventPattern,
      targetArn: this.apiDestination.arn,
      roleArn: role.arn,
      retry: props.retry,
      deadLetterQueueName: `${props.resourceName}-dlq`,
      kmsKeyArn: props.kmsKeyArn,
      eventsPrincipal: props.eventsPrincipal,
    });
  }
}
