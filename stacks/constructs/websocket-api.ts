import { Apigatewayv2Api } from "@cdktf/provider-aws/lib/apigatewayv2-api";
import { Apigatewayv2Authorizer } from "@cdktf/provider-aws/lib/apigatewayv2-authorizer";
import { Apigatewayv2Integration } from "@cdktf/provider-aws/lib/apigatewayv2-integration";
import { Apigatewayv2Route } from "@cdktf/provider-aws/lib/apigatewayv2-route";
import { Apigatewayv2Stage } from "@cdktf/provider-aws/lib/apigatewayv2-stage";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import type { LambdaAlias } from "@cdktf/provider-aws/lib/lambda-alias";
import { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission";
import { Fn, type ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import { ACCESS_LOG_BASE_FIELDS } from "../defaults.ts";

export interface WebSocketApiProps {
  readonly apiName: string;
  readonly stageName: string;
  readonly kmsKeyArn: string;
  readonly logRetentionDays: number;
  readonly throttlingBurstLimit: number;
  readonly throttlingRateLimit: number;
  /** API Gateway's account-level CloudWatch role, when this stack sets it: the stage logs only after it. */
  readonly accountSettings?: ITerraformDependable;
}

/** Fields of each access-log line; `$context` variables API Gateway fills per message. */
const ACCESS_LOG_FORMAT = JSON.stringify({
  ...ACCESS_LOG_BASE_FIELDS,
  connectionId: "$context.connectionId",
  eventType: "$context.eventType",
  routeKey: "$context.routeKey",
  integrationError: "$context.integrationErrorMessage",
});

/**
 * A WebSocket API whose routes invoke Lambda functions. The stage deploys automatically, so functions
 * may reference its callback URL without a dependency cycle through a deployment resource.
 */
export class WebSocketApi extends Construct {
  readonly api: Apigatewayv2Api;
  readonly stage: Apigatewayv2Stage;
  /** `https://` endpoint of the stage's `@connections` management API. */
  readonly callbackUrl: string;
  private readonly stageName: string;

  constructor(scope: Construct, id: string, props: WebSocketApiProps) {
    super(scope, id);
    this.stageName = props.stageName;
    this.api = new Apigatewayv2Api(this, "api", {
      name: props.apiName,
      protocolType: "WEBSOCKET",
      routeSelectionExpression: "$request.body.action",
    });
    const accessLogs = new CloudwatchLogGroup(this, "access-logs", {
      name: `/aws/apigateway/${props.apiName}/${props.stageName}`,
      retentionInDays: props.logRetentionDays,
      kmsKeyId: props.kmsKeyArn,
    });
    this.stage = new Apigatewayv2Stage(this, "stage", {
      apiId: this.api.id,
      name: props.stageName,
      autoDeploy: true,
      defaultRouteSettings: {
        throttlingBurstLimit: props.throttlingBurstLimit,
        throttlingRateLimit: props.throttlingRateLimit,
      },
      accessLogSettings: { destinationArn: accessLogs.arn, format: ACCESS_LOG_FORMAT },
      dependsOn: props.accountSettings ? [props.accountSettings] : undefined,
    });
    this.callbackUrl = Fn.replace(this.stage.invokeUrl, "wss://", "https://");
  }

  /** `@connections` of this stage for one HTTP method: POST sends a frame, GET asks whether a socket is open. */
  connectionsArnFor(method: "POST" | "GET" | "DELETE"): string {
    return `${this.api.executionArn}/${this.stageName}/${method}/@connections/*`;
  }

  /**
   * A Lambda REQUEST authorizer for `$connect` reading the token from `identitySource` (browsers cannot set
   * headers on a WebSocket, so a query string parameter); only this API's authorizer may invoke it.
   */
  addAuthorizer(id: string, handler: LambdaAlias, identitySource: string): Apigatewayv2Authorizer {
    const authorizer = new Apigatewayv2Authorizer(this, `${id}-authorizer`, {
      apiId: this.api.id,
      name: id,
      authorizerType: "REQUEST",
      authorizerUri: handler.invokeArn,
      identitySources: [identitySource],
    });
    new LambdaPermission(this, `${id}-authorizer-permission`, {
      statementId: "AllowWebSocketAuthorizer",
      action: "lambda:InvokeFunction",
      functionName: handler.functionName,
      qualifier: handler.name,
      principal: "apigateway.amazonaws.com",
      sourceArn: `${this.api.executionArn}/authorizers/${authorizer.id}`,
    });
    return authorizer;
  }

  /**
   * Routes `routeKey` (`$connect`, `$disconnect`, `$default`, ...) to `handler`, which only this route may invoke;
   * with `authorizer`, API Gateway runs it first and refuses the route unless it allows.
   */
  addRoute(id: string, routeKey: string, handler: LambdaAlias, authorizer?: Apigatewayv2Authorizer): void {
    const integration = new Apigatewayv2Integration(this, `${id}-integration`, {
      apiId: this.api.id,
      integrationType: "AWS_PROXY",
      integrationMethod: "POST",
      integrationUri: handler.invokeArn,
    });
    new Apigatewayv2Route(this, `${id}-route`, {
      apiId: this.api.id,
      routeKey,
      target: `integrations/${integration.id}`,
      ...(authorizer ? { authorizationType: "CUSTOM", authorizerId: authorizer.id } : {}),
    });
    new LambdaPermission(this, `${id}-permission`, {
      statementId: "AllowWebSocketRoute",
      action: "lambda:InvokeFunction",
      functionName: handler.functionName,
      qualifier: handler.name,
      principal: "apigateway.amazonaws.com",
      sourceArn: `${this.api.executionArn}/${this.stage.name}/${routeKey}`,
    });
  }
}
