import { createHash } from "node:crypto";
import { ApiGatewayDeployment } from "@cdktf/provider-aws/lib/api-gateway-deployment";
import { ApiGatewayGatewayResponse } from "@cdktf/provider-aws/lib/api-gateway-gateway-response";
import { ApiGatewayIntegration } from "@cdktf/provider-aws/lib/api-gateway-integration";
import { ApiGatewayIntegrationResponse } from "@cdktf/provider-aws/lib/api-gateway-integration-response";
import { ApiGatewayMethod } from "@cdktf/provider-aws/lib/api-gateway-method";
import { ApiGatewayMethodResponse } from "@cdktf/provider-aws/lib/api-gateway-method-response";
import { ApiGatewayMethodSettings } from "@cdktf/provider-aws/lib/api-gateway-method-settings";
import { ApiGatewayModel } from "@cdktf/provider-aws/lib/api-gateway-model";
import { ApiGatewayRequestValidator } from "@cdktf/provider-aws/lib/api-gateway-request-validator";
import { ApiGatewayResource } from "@cdktf/provider-aws/lib/api-gateway-resource";
import { ApiGatewayRestApi } from "@cdktf/provider-aws/lib/api-gateway-rest-api";
import { ApiGatewayStage } from "@cdktf/provider-aws/lib/api-gateway-stage";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import type { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { Fn, type ITerraformDependable, Token } from "cdktf";
import { Construct } from "constructs";
import { COMMAND_ROUTES, CORS_ALLOWED_HEADERS, CORS_MAX_AGE_SECONDS, REQUEST_MODELS } from "../api-routes.ts";
import {
  acceptedTemplate,
  getOutcomeTemplate,
  internalErrorTemplate,
  outcomeResponseTemplate,
  preflightTemplate,
  REQUEST_ID_RULE,
  rejectedTemplate,
  routeRules,
  sendCommandTemplate,
} from "../api-templates.ts";
import { ACCESS_LOG_BASE_FIELDS } from "../defaults.ts";
import { allow, assumeRolePolicy, policyDocument } from "../iam.ts";
import type { CommandQueueName } from "../service-stack.ts";

export interface RestApiProps {
  readonly apiName: string;
  readonly stageName: string;
  readonly accountId: string;
  readonly region: string;
  readonly partition: string;
  readonly kmsKeyArn: string;
  readonly logRetentionDays: number;
  readonly commandQueues: Readonly<Record<CommandQueueName, SqsQueue>>;
  /** Physical name and ARN of the table holding outcomes per request id. */
  readonly requestsTable: { readonly name: string; readonly arn: string };
  readonly corsAllowedOrigins: readonly string[];
  readonly throttlingBurstLimit: number;
  readonly throttlingRateLimit: number;
  /** API Gateway's account-level CloudWatch role, when this stack sets it: the stage logs only after it. */
  readonly accountSettings?: ITerraformDependable;
}

/** JSON lines of the stage's access log. */
const ACCESS_LOG_FORMAT = JSON.stringify({
  ...ACCESS_LOG_BASE_FIELDS,
  httpMethod: "$context.httpMethod",
  resourcePath: "$context.resourcePath",
  responseLength: "$context.responseLength",
  responseLatency: "$context.responseLatency",
  integrationStatus: "$context.integrationStatus",
  error: "$context.error.message",
  validationError: "$context.error.validationErrorString",
});

/**
 * Errors API Gateway answers itself, as JSON. Gateway response templates are plain substitution (no VTL),
 * so only values API Gateway already quotes or controls appear in them.
 */
const GATEWAY_RESPONSES: ReadonlyArray<{ type: string; statusCode?: string; template: string }> = [
  { type: "BAD_REQUEST_BODY", template: '{"error":"body: $context.error.validationErrorString"}' },
  { type: "BAD_REQUEST_PARAMETERS", template: '{"error":"$context.error.validationErrorString"}' },
  {
    type: "MISSING_AUTHENTICATION_TOKEN",
    statusCode: "404",
    template: '{"error":"no route for this method and path"}',
  },
  { type: "INVALID_API_KEY", template: '{"error":"a valid API key is required in the x-api-key header"}' },
  { type: "UNSUPPORTED_MEDIA_TYPE", template: '{"error":"send the body as Content-Type: application/json"}' },
  { type: "REQUEST_TOO_LARGE", template: '{"error":"the request body is too large"}' },
  { type: "THROTTLED", template: '{"error":"too many requests; retry with backoff"}' },
  { type: "QUOTA_EXCEEDED", template: '{"error":"the API key has used its quota"}' },
  { type: "DEFAULT_4XX", template: '{"error":$context.error.messageString}' },
  { type: "DEFAULT_5XX", template: '{"error":"internal error","requestId":"$context.extendedRequestId"}' },
];

const JSON_TYPE = "application/json";

/**
 * The REST edge: each item route validates the request and puts a command on its queue through an SQS
 * service integration (no Lambda); `GET /requests/{requestId}` reads the stored outcome straight from
 * DynamoDB. API keys are required on every route but the CORS preflights.
 */
export class RestApi extends Construct {
  readonly api: ApiGatewayRestApi;
  readonly stage: ApiGatewayStage;
  readonly integrationRole: IamRole;

  constructor(scope: Construct, id: string, props: RestApiProps) {
    super(scope, id);
    const { partition, region, accountId } = props;
    const origins = props.corsAllowedOrigins;
    this.api = new ApiGatewayRestApi(this, "api", {
      name: props.apiName,
      description: "Items API: validates requests and queues commands",
      endpointConfiguration: { types: ["REGIONAL"] },
    });
    const restApiId = this.api.id;
    // Everything the deployment must follow: a change to any of these ids or definitions redeploys.
    const deploymentInputs: string[] = [];
    const definition: unknown[] = [];
    const dependents: ITerraformDependable[] = [];

    this.integrationRole = new IamRole(this, "integration-role", {
      name: `${props.apiName}-integrations`,
      assumeRolePolicy: assumeRolePolicy("apigateway.amazonaws.com"),
    });
    const queues = Object.values(props.commandQueues) as SqsQueue[];
    new IamRolePolicy(this, "integration-policy", {
      name: "send-commands-read-outcomes",
      role: this.integrationRole.id,
      policy: policyDocument([
        allow(
          "SendCommands",
          ["sqs:SendMessage"],
          queues.map((queue) => queue.arn),
        ),
        allow("ReadOutcomes", ["dynamodb:GetItem"], [props.requestsTable.arn]),
        allow("UseServiceKey", ["kms:Decrypt", "kms:GenerateDataKey"], [props.kmsKeyArn]),
      ]),
    });

    const models = Object.fromEntries(
      Object.entries(REQUEST_MODELS).map(([name, schema]) => [
        name,
        new ApiGatewayModel(this, `model-${name}`, {
          restApiId,
          name,
          contentType: JSON_TYPE,
          schema: JSON.stringify(schema),
        }),
      ]),
    ) as Record<keyof typeof REQUEST_MODELS, ApiGatewayModel>;
    definition.push(REQUEST_MODELS);
    const validateAll = new ApiGatewayRequestValidator(this, "validate-body-and-parameters", {
      restApiId,
      name: "body-and-parameters",
      validateRequestBody: true,
      validateRequestParameters: true,
    });
    const validateParameters = new ApiGatewayRequestValidator(this, "validate-parameters", {
      restApiId,
      name: "parameters",
      validateRequestBody: false,
      validateRequestParameters: true,
    });

    const resources = new Map<string, ApiGatewayResource>();
    const resourceFor = (path: string): ApiGatewayResource => {
      const existing = resources.get(path);
      if (existing) return existing;
      const segments = path.split("/");
      const parentPath = segments.slice(0, -1).join("/");
      const resource = new ApiGatewayResource(
        this,
        `resource-${path.replace(/[{}]/g, "").replace(/\//g, "-")}`,
        {
          restApiId,
          parentId: parentPath ? resourceFor(parentPath).id : this.api.rootResourceId,
          pathPart: segments[segments.length - 1] as string,
        },
      );
      resources.set(path, resource);
      deploymentInputs.push(resource.id);
      return resource;
    };

    const addMethod = (spec: {
      id: string;
      path: string;
      httpMethod: string;
      apiKeyRequired: boolean;
      parameters: Record<string, boolean>;
      validator?: ApiGatewayRequestValidator;
      model?: ApiGatewayModel;
      integration: Omit<
        ConstructorParameters<typeof ApiGatewayIntegration>[2],
        "restApiId" | "resourceId" | "httpMethod"
      >;
      responses: ReadonlyArray<{
        statusCode: string;
        selectionPattern?: string;
        template: string;
        headers?: Record<string, string>;
      }>;
    }) => {
      const resource = resourceFor(spec.path);
      const method = new ApiGatewayMethod(this, `${spec.id}-method`, {
        restApiId,
        resourceId: resource.id,
        httpMethod: spec.httpMethod,
        authorization: "NONE",
        apiKeyRequired: spec.apiKeyRequired,
        requestParameters: spec.parameters,
        requestValidatorId: spec.validator?.id,
        requestModels: spec.model ? { [JSON_TYPE]: spec.model.name } : undefined,
      });
      const integration = new ApiGatewayIntegration(this, `${spec.id}-integration`, {
        restApiId,
        resourceId: resource.id,
        httpMethod: method.httpMethod,
        ...spec.integration,
      });
      deploymentInputs.push(method.id, integration.id);
      for (const response of spec.responses) {
        const headerNames = ["Access-Control-Allow-Origin", "Vary", ...Object.keys(response.headers ?? {})];
        const methodResponse = new ApiGatewayMethodResponse(
          this,
          `${spec.id}-response-${response.statusCode}`,
          {
            restApiId,
            resourceId: resource.id,
            httpMethod: method.httpMethod,
            statusCode: response.statusCode,
            responseModels: response.statusCode === "204" ? undefined : { [JSON_TYPE]: "Empty" },
            responseParameters: Object.fromEntries(
              headerNames.map((name) => [`method.response.header.${name}`, false]),
            ),
          },
        );
        const integrationResponse = new ApiGatewayIntegrationResponse(
          this,
          `${spec.id}-integration-response-${response.statusCode}`,
          {
            restApiId,
            resourceId: resource.id,
            httpMethod: method.httpMethod,
            statusCode: methodResponse.statusCode,
            selectionPattern: response.selectionPattern,
            responseTemplates: { [JSON_TYPE]: response.template },
            responseParameters: response.headers
              ? Object.fromEntries(
                  Object.entries(response.headers).map(([name, value]) => [
                    `method.response.header.${name}`,
                    value,
                  ]),
                )
              : undefined,
            dependsOn: [integration],
          },
        );
        dependents.push(integrationResponse);
      }
      dependents.push(method, integration);
      // URIs and credentials hold tokens; Terraform resolves them inside the trigger instead.
      const { uri: _uri, credentials: _credentials, ...staticIntegration } = spec.integration;
      definition.push({
        id: spec.id,
        parameters: spec.parameters,
        integration: staticIntegration,
        responses: spec.responses,
      });
      deploymentInputs.push(integration.uri, integration.credentials);
    };

    const formHeader = { "integration.request.header.Content-Type": "'application/x-www-form-urlencoded'" };
    for (const route of COMMAND_ROUTES) {
      const rules = routeRules(route.command);
      const queue = props.commandQueues[route.queue];
      addMethod({
        id: `${route.command.operation}`,
        path: route.path,
        httpMethod: route.method,
        apiKeyRequired: true,
        parameters: Object.fromEntries(
          rules.map((rule) => [`method.request.${rule.location}.${rule.name}`, rule.required]),
        ),
        validator: route.bodyModel ? validateAll : validateParameters,
        model: route.bodyModel ? models[route.bodyModel] : undefined,
        integration: {
          type: "AWS",
          integrationHttpMethod: "POST",
          uri: `arn:${partition}:apigateway:${region}:sqs:path/${accountId}/${queue.name}`,
          credentials: this.integrationRole.arn,
          passthroughBehavior: "NEVER",
          requestParameters: formHeader,
          requestTemplates: { [JSON_TYPE]: sendCommandTemplate(route.command) },
        },
        responses: [
          { statusCode: "202", template: acceptedTemplate(route.command, origins) },
          { statusCode: "400", selectionPattern: "4\\d{2}", template: rejectedTemplate(rules, origins) },
          { statusCode: "500", selectionPattern: "5\\d{2}", template: internalErrorTemplate(origins) },
        ],
      });
    }

    addMethod({
      id: "get-outcome",
      path: "requests/{requestId}",
      httpMethod: "GET",
      apiKeyRequired: true,
      parameters: { "method.request.path.requestId": true },
      validator: validateParameters,
      integration: {
        type: "AWS",
        integrationHttpMethod: "POST",
        uri: `arn:${partition}:apigateway:${region}:dynamodb:action/GetItem`,
        credentials: this.integrationRole.arn,
        passthroughBehavior: "NEVER",
        requestTemplates: { [JSON_TYPE]: getOutcomeTemplate(props.requestsTable.name) },
      },
      responses: [
        { statusCode: "200", template: outcomeResponseTemplate(origins) },
        {
          statusCode: "400",
          selectionPattern: "4\\d{2}",
          template: rejectedTemplate([REQUEST_ID_RULE], origins),
        },
        { statusCode: "500", selectionPattern: "5\\d{2}", template: internalErrorTemplate(origins) },
      ],
    });

    // Every resource answers the CORS preflight, without an API key (browsers cannot send one there).
    const methodsByPath = new Map<string, Set<string>>([["requests", new Set()]]);
    for (const route of COMMAND_ROUTES)
      methodsByPath.set(route.path, (methodsByPath.get(route.path) ?? new Set()).add(route.method));
    methodsByPath.set("requests/{requestId}", new Set(["GET"]));
    for (const [path, methods] of methodsByPath) {
      const allowed = [...methods, "OPTIONS"].join(",");
      addMethod({
        id: `preflight-${path.replace(/[{}]/g, "").replace(/\//g, "-")}`,
        path,
        httpMethod: "OPTIONS",
        apiKeyRequired: false,
        parameters: {},
        integration: { type: "MOCK", requestTemplates: { [JSON_TYPE]: '{"statusCode": 204}' } },
        responses: [
          {
            statusCode: "204",
            template: preflightTemplate(origins),
            headers: {
              "Access-Control-Allow-Methods": `'${allowed}'`,
              "Access-Control-Allow-Headers": `'${CORS_ALLOWED_HEADERS.join(",")}'`,
              "Access-Control-Max-Age": `'${CORS_MAX_AGE_SECONDS}'`,
            },
          },
        ],
      });
    }

    const primaryOrigin = origins[0] ?? "";
    for (const response of GATEWAY_RESPONSES) {
      const gatewayResponse = new ApiGatewayGatewayResponse(
        this,
        `gateway-response-${response.type.toLowerCase()}`,
        {
          restApiId,
          responseType: response.type,
          statusCode: response.statusCode,
          responseTemplates: { [JSON_TYPE]: response.template },
          // Static values only: no VTL runs here, so this names the first allowed origin.
          responseParameters: {
            "gatewayresponse.header.Access-Control-Allow-Origin": `'${primaryOrigin}'`,
            "gatewayresponse.header.Vary": "'Origin'",
          },
        },
      );
      dependents.push(gatewayResponse);
      deploymentInputs.push(gatewayResponse.id);
    }
    definition.push(GATEWAY_RESPONSES, origins);

    const deployment = new ApiGatewayDeployment(this, "deployment", {
      restApiId,
      description: "Replaced whenever any resource, method, integration or template of the API changes",
      triggers: {
        redeployment: Fn.sha1(Fn.jsonencode([staticDefinitionHash(definition), ...deploymentInputs])),
      },
      lifecycle: { createBeforeDestroy: true },
      dependsOn: dependents,
    });

    const accessLogs = new CloudwatchLogGroup(this, "access-logs", {
      name: `/aws/apigateway/${props.apiName}/${props.stageName}`,
      retentionInDays: props.logRetentionDays,
      kmsKeyId: props.kmsKeyArn,
    });
    this.stage = new ApiGatewayStage(this, "stage", {
      restApiId,
      deploymentId: deployment.id,
      stageName: props.stageName,
      xrayTracingEnabled: true,
      accessLogSettings: { destinationArn: accessLogs.arn, format: ACCESS_LOG_FORMAT },
      dependsOn: props.accountSettings ? [props.accountSettings] : undefined,
    });
    new ApiGatewayMethodSettings(this, "method-settings", {
      restApiId,
      stageName: this.stage.stageName,
      methodPath: "*/*",
      settings: {
        metricsEnabled: true,
        loggingLevel: "ERROR",
        dataTraceEnabled: false,
        throttlingBurstLimit: props.throttlingBurstLimit,
        throttlingRateLimit: props.throttlingRateLimit,
      },
    });
  }
}

/**
 * Hash of the API's literal definition (routes, templates, models, gateway responses). It must hold no
 * cdktf token: token strings are numbered by creation order, so an unrelated change would alter the
 * hash and redeploy the API for nothing.
 */
function staticDefinitionHash(definition: unknown): string {
  const text = JSON.stringify(definition);
  if (Token.isUnresolved(text))
    throw new Error("The REST API's static definition holds a token; pass it through the trigger's inputs");
  return createHash("sha256").update(text).digest("hex");
}
