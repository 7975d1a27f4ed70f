import { createHash } from "node:crypto";
import { ApiGatewayAuthorizer } from "@cdktf/provider-aws/lib/api-gateway-authorizer";
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
import { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission";
import { Fn, type ITerraformDependable, Token } from "cdktf";
import { Construct } from "constructs";
import {
  acceptedTemplate,
  type CommandRoute,
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
import { allow, assumeRolePolicy, policyDocument, type ServiceKey, useKeyVia } from "../iam.ts";

/** A queue as an integration names it: Terraform references to its name and ARN. */
export interface QueueTarget {
  readonly name: string;
  readonly arn: string;
}

/** A route that validates the request and puts a command on a queue. */
export interface RestCommandRoute {
  readonly method: string;
  /** Resource path below the API root, e.g. `items/{id}`. */
  readonly path: string;
  readonly command: CommandRoute;
  readonly queue: QueueTarget;
  /** Name of the model in `models` the body must match. @default no body */
  readonly bodyModel?: string;
  /** OAuth scopes of which an access token must carry one (an ID token is then refused). */
  readonly scopes: readonly string[];
}

/** A route served by a function (Lambda proxy integration), for the few that must run code, e.g. presigning. */
export interface RestFunctionRoute {
  /** Construct id fragment of the route's resources. */
  readonly id: string;
  readonly method: "POST" | "GET";
  readonly path: string;
  /** Name of the model in `models` the body must match. @default no body */
  readonly bodyModel?: string;
  readonly scopes: readonly string[];
  /** The function's alias: its invoke ARN, function name and alias name. */
  readonly target: { readonly invokeArn: string; readonly functionName: string; readonly qualifier: string };
}

export interface RestCors {
  /** Origins browsers may call from; the first is the one gateway responses name. */
  readonly allowedOrigins: readonly string[];
  readonly allowedHeaders: readonly string[];
  readonly maxAgeSeconds: number;
}

export interface RestApiProps {
  readonly apiName: string;
  readonly stageName: string;
  readonly accountId: string;
  readonly region: string;
  readonly partition: string;
  /** Encrypts the access logs; the integration role uses it only through SQS and DynamoDB. */
  readonly key: ServiceKey;
  readonly logRetentionDays: number;
  readonly routes: readonly RestCommandRoute[];
  /** Routes a function serves (Lambda proxy). @default none */
  readonly functionRoutes?: readonly RestFunctionRoute[];
  /** JSON Schema (draft 4) request models by name. */
  readonly models: Readonly<Record<string, unknown>>;
  /** The Cognito user pool whose tokens every method but the CORS preflights requires. */
  readonly userPoolArn: string;
  /** `GET <path>/{requestId}` reads the outcome stored per request id from this table. */
  readonly outcomes: {
    readonly path: string;
    /** OAuth scopes of which the caller's access token must carry one. */
    readonly scopes: readonly string[];
    /** Physical name (templates stay plain text, so tests can render them) and ARN. */
    readonly table: { readonly name: string; readonly arn: string };
  };
  readonly cors: RestCors;
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
  {
    type: "UNAUTHORIZED",
    template:
      '{"error":"not authorized: send a valid, unexpired access token that carries this route\'s scope as Authorization: Bearer <token>"}',
  },
  { type: "ACCESS_DENIED", template: '{"error":"this token may not call this route"}' },
  { type: "INVALID_API_KEY", template: '{"error":"a valid API key is required in the x-api-key header"}' },
  { type: "UNSUPPORTED_MEDIA_TYPE", template: '{"error":"send the body as Content-Type: application/json"}' },
  { type: "REQUEST_TOO_LARGE", template: '{"error":"the request body is too large"}' },
  { type: "THROTTLED", template: '{"error":"too many requests; retry with backoff"}' },
  { type: "QUOTA_EXCEEDED", template: '{"error":"the API key has used its quota"}' },
  { type: "DEFAULT_4XX", template: '{"error":$context.error.messageString}' },
  { type: "DEFAULT_5XX", template: '{"error":"internal error","requestId":"$context.extendedRequestId"}' },
];

const JSON_TYPE = "application/json";

/** One method of the API: its resource, request checks, integration and integration responses. */
interface MethodSpec {
  readonly id: string;
  readonly path: string;
  readonly httpMethod: string;
  readonly apiKeyRequired: boolean;
  readonly parameters: Record<string, boolean>;
  /** Scopes for the user-pool authorizer; absent only on CORS preflights, which browsers send without a token. */
  readonly scopes?: readonly string[];
  readonly validator?: ApiGatewayRequestValidator;
  readonly model?: ApiGatewayModel;
  readonly integration: Omit<
    ConstructorParameters<typeof ApiGatewayIntegration>[2],
    "restApiId" | "resourceId" | "httpMethod"
  >;
  readonly responses: ReadonlyArray<{
    statusCode: string;
    selectionPattern?: string;
    template: string;
    headers?: Record<string, string>;
  }>;
}

/**
 * The REST edge: each command route validates the request and puts a command on its queue through an SQS
 * service integration (no Lambda); `GET <outcomes path>/{requestId}` reads the stored outcome straight from
 * DynamoDB. Every route but the CORS preflights needs a Cognito access token with its scope (identity) and an
 * API key (metering: usage plans throttle per client, never authenticate). Routes, models and CORS come in
 * through props: this construct knows API Gateway, not the service.
 */
export class RestApi extends Construct {
  readonly api: ApiGatewayRestApi;
  readonly stage: ApiGatewayStage;
  readonly integrationRole: IamRole;
  /** The physical names alarms and dashboards refer to. */
  readonly apiName: string;
  readonly stageName: string;

  private readonly props: RestApiProps;
  private authorizer?: ApiGatewayAuthorizer;
  private readonly resources = new Map<string, ApiGatewayResource>();
  // Everything the deployment must follow: a change to any of these ids or definitions redeploys.
  private readonly deploymentInputs: string[] = [];
  private readonly definition: unknown[] = [];
  private readonly dependents: ITerraformDependable[] = [];
  /** HTTP methods per resource path, in declaration order, for the CORS preflights. */
  private readonly methodsByPath = new Map<string, string[]>();

  constructor(scope: Construct, id: string, props: RestApiProps) {
    super(scope, id);
    this.props = props;
    this.apiName = props.apiName;
    this.stageName = props.stageName;
    this.api = new ApiGatewayRestApi(this, "api", {
      name: props.apiName,
      description: "Items API: validates requests and queues commands",
      endpointConfiguration: { types: ["REGIONAL"] },
    });
    this.integrationRole = this.createIntegrationRole();
    this.authorizer = this.createAuthorizer();
    const models = this.createModels();
    const validators = this.createValidators();
    for (const route of props.routes) this.addCommandRoute(route, validators, models);
    for (const route of props.functionRoutes ?? []) this.addFunctionRoute(route, validators, models);
    this.addOutcomeRoute(validators.parameters);
    this.addPreflights();
    this.addGatewayResponses();
    this.stage = this.deploy();
  }

  /** The role API Gateway's integrations act as: send to the command queues, read outcomes, nothing else. */
  private createIntegrationRole(): IamRole {
    const role = new IamRole(this, "integration-role", {
      name: `${this.props.apiName}-integrations`,
      assumeRolePolicy: assumeRolePolicy("apigateway.amazonaws.com", this.props.accountId),
    });
    // Distinct queues, not distinct ARN strings: every read of a token attribute is a new string.
    const queueArns = [...new Set(this.props.routes.map((route) => route.queue))].map((queue) => queue.arn);
    new IamRolePolicy(this, "integration-policy", {
      name: "send-commands-read-outcomes",
      role: role.id,
      policy: policyDocument([
        allow("SendCommands", ["sqs:SendMessage"], queueArns),
        allow("ReadOutcomes", ["dynamodb:GetItem"], [this.props.outcomes.table.arn]),
        useKeyVia(this.props.key, ["kms:Decrypt", "kms:GenerateDataKey"], ["sqs", "dynamodb"]),
      ]),
    });
    return role;
  }

  /** Cognito verifies the token (signature, issuer, expiry, scopes) before anything else runs. */
  private createAuthorizer(): ApiGatewayAuthorizer {
    const authorizer = new ApiGatewayAuthorizer(this, "authorizer", {
      restApiId: this.api.id,
      name: `${this.props.apiName}-users`,
      type: "COGNITO_USER_POOLS",
      providerArns: [this.props.userPoolArn],
      identitySource: "method.request.header.Authorization",
    });
    this.deploymentInputs.push(authorizer.id);
    return authorizer;
  }

  private createModels(): Map<string, ApiGatewayModel> {
    const models = new Map<string, ApiGatewayModel>();
    for (const [name, schema] of Object.entries(this.props.models)) {
      models.set(
        name,
        new ApiGatewayModel(this, `model-${name}`, {
          restApiId: this.api.id,
          name,
          contentType: JSON_TYPE,
          schema: JSON.stringify(schema),
        }),
      );
    }
    this.definition.push(this.props.models);
    return models;
  }

  private createValidators() {
    const validator = (id: string, name: string, validateRequestBody: boolean) =>
      new ApiGatewayRequestValidator(this, id, {
        restApiId: this.api.id,
        name,
        validateRequestBody,
        validateRequestParameters: true,
      });
    return {
      bodyAndParameters: validator("validate-body-and-parameters", "body-and-parameters", true),
      parameters: validator("validate-parameters", "parameters", false),
    };
  }

  private addCommandRoute(
    route: RestCommandRoute,
    validators: ReturnType<RestApi["createValidators"]>,
    models: ReadonlyMap<string, ApiGatewayModel>,
  ): void {
    const { partition, region, accountId, cors } = this.props;
    const rules = routeRules(route.command);
    const model = route.bodyModel === undefined ? undefined : models.get(route.bodyModel);
    if (route.bodyModel !== undefined && !model)
      throw new Error(`Route ${route.method} ${route.path} names an unknown model "${route.bodyModel}"`);
    this.addMethod({
      id: route.command.operation,
      path: route.path,
      httpMethod: route.method,
      apiKeyRequired: true,
      scopes: route.scopes,
      parameters: Object.fromEntries(
        rules.map((rule) => [`method.request.${rule.location}.${rule.name}`, rule.required]),
      ),
      validator: model ? validators.bodyAndParameters : validators.parameters,
      model,
      integration: {
        type: "AWS",
        integrationHttpMethod: "POST",
        uri: `arn:${partition}:apigateway:${region}:sqs:path/${accountId}/${route.queue.name}`,
        credentials: this.integrationRole.arn,
        passthroughBehavior: "NEVER",
        requestParameters: {
          "integration.request.header.Content-Type": "'application/x-www-form-urlencoded'",
        },
        requestTemplates: { [JSON_TYPE]: sendCommandTemplate(route.command) },
      },
      responses: [
        { statusCode: "202", template: acceptedTemplate(route.command, cors.allowedOrigins) },
        {
          statusCode: "400",
          selectionPattern: "4\\d{2}",
          template: rejectedTemplate(rules, cors.allowedOrigins),
        },
        {
          statusCode: "500",
          selectionPattern: "5\\d{2}",
          template: internalErrorTemplate(cors.allowedOrigins),
        },
      ],
    });
  }

  /**
   * A route whose function answers the caller itself (Lambda proxy): API Gateway still authorizes, meters and
   * validates the body first, and the function reads the caller from the authorizer's claims. Only this route's
   * method and path may invoke it.
   */
  private addFunctionRoute(
    route: RestFunctionRoute,
    validators: ReturnType<RestApi["createValidators"]>,
    models: ReadonlyMap<string, ApiGatewayModel>,
  ): void {
    const model = route.bodyModel === undefined ? undefined : models.get(route.bodyModel);
    if (route.bodyModel !== undefined && !model)
      throw new Error(`Route ${route.method} ${route.path} names an unknown model "${route.bodyModel}"`);
    this.addMethod({
      id: route.id,
      path: route.path,
      httpMethod: route.method,
      apiKeyRequired: true,
      scopes: route.scopes,
      parameters: {},
      validator: model ? validators.bodyAndParameters : validators.parameters,
      model,
      integration: { type: "AWS_PROXY", integrationHttpMethod: "POST", uri: route.target.invokeArn },
      responses: [],
    });
    new LambdaPermission(this, `${route.id}-permission`, {
      statementId: "AllowRestRoute",
      action: "lambda:InvokeFunction",
      functionName: route.target.functionName,
      qualifier: route.target.qualifier,
      principal: "apigateway.amazonaws.com",
      sourceArn: `${this.api.executionArn}/*/${route.method}/${route.path}`,
    });
  }

  private addOutcomeRoute(validator: ApiGatewayRequestValidator): void {
    const { partition, region, outcomes, cors } = this.props;
    this.addMethod({
      id: "get-outcome",
      path: `${outcomes.path}/{requestId}`,
      httpMethod: "GET",
      apiKeyRequired: true,
      scopes: outcomes.scopes,
      parameters: { "method.request.path.requestId": true },
      validator,
      integration: {
        type: "AWS",
        integrationHttpMethod: "POST",
        uri: `arn:${partition}:apigateway:${region}:dynamodb:action/GetItem`,
        credentials: this.integrationRole.arn,
        passthroughBehavior: "NEVER",
        requestTemplates: { [JSON_TYPE]: getOutcomeTemplate(outcomes.table.name) },
      },
      responses: [
        { statusCode: "200", template: outcomeResponseTemplate(cors.allowedOrigins) },
        {
          statusCode: "400",
          selectionPattern: "4\\d{2}",
          template: rejectedTemplate([REQUEST_ID_RULE], cors.allowedOrigins),
        },
        {
          statusCode: "500",
          selectionPattern: "5\\d{2}",
          template: internalErrorTemplate(cors.allowedOrigins),
        },
      ],
    });
  }

  /**
   * Every resource answers the CORS preflight, without an API key (browsers cannot send one there).
   * Resources with no method of their own come first: the order is part of the deployment hash.
   */
  private addPreflights(): void {
    const { cors } = this.props;
    const withMethods = [...this.methodsByPath];
    const withoutMethods = [...this.resources.keys()].filter((path) => !this.methodsByPath.has(path));
    const preflights: Array<[string, string[]]> = [
      ...withoutMethods.map((path): [string, string[]] => [path, []]),
      ...withMethods,
    ];
    for (const [path, methods] of preflights) {
      this.addMethod({
        id: `preflight-${pathId(path)}`,
        path,
        httpMethod: "OPTIONS",
        apiKeyRequired: false,
        parameters: {},
        integration: { type: "MOCK", requestTemplates: { [JSON_TYPE]: '{"statusCode": 204}' } },
        responses: [
          {
            statusCode: "204",
            template: preflightTemplate(cors.allowedOrigins),
            headers: {
              "Access-Control-Allow-Methods": `'${[...methods, "OPTIONS"].join(",")}'`,
              "Access-Control-Allow-Headers": `'${cors.allowedHeaders.join(",")}'`,
              "Access-Control-Max-Age": `'${cors.maxAgeSeconds}'`,
            },
          },
        ],
      });
    }
  }

  private addGatewayResponses(): void {
    const origins = this.props.cors.allowedOrigins;
    const primaryOrigin = origins[0] ?? "";
    for (const response of GATEWAY_RESPONSES) {
      const gatewayResponse = new ApiGatewayGatewayResponse(
        this,
        `gateway-response-${response.type.toLowerCase()}`,
        {
          restApiId: this.api.id,
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
      this.dependents.push(gatewayResponse);
      this.deploymentInputs.push(gatewayResponse.id);
    }
    this.definition.push(GATEWAY_RESPONSES, origins);
  }

  /** A deployment replaced on any change of the definition, the stage that serves it, and its settings. */
  private deploy(): ApiGatewayStage {
    const { props } = this;
    // An origin only Terraform knows (a distribution's name) is a trigger of its own (inside an expression a
    // partly-resolved string loses its quoting); its place in the templates is hashed as a stand-in, so the hash
    // stays free of token numbering.
    const tokenOrigins = props.cors.allowedOrigins.filter((origin) => Token.isUnresolved(origin));
    let definitionText = JSON.stringify(this.definition);
    for (const [index, origin] of tokenOrigins.entries())
      definitionText = definitionText.split(origin).join(`<terraform origin ${index}>`);
    const deployment = new ApiGatewayDeployment(this, "deployment", {
      restApiId: this.api.id,
      description: "Replaced whenever any resource, method, integration or template of the API changes",
      triggers: {
        redeployment: Fn.sha1(
          Fn.jsonencode([staticDefinitionHash(definitionText), ...this.deploymentInputs]),
        ),
        ...(tokenOrigins.length > 0 ? { cors_origins: tokenOrigins.join(" ") } : {}),
      },
      lifecycle: { createBeforeDestroy: true },
      dependsOn: this.dependents,
    });
    const accessLogs = new CloudwatchLogGroup(this, "access-logs", {
      name: `/aws/apigateway/${props.apiName}/${props.stageName}`,
      retentionInDays: props.logRetentionDays,
      kmsKeyId: props.key.arn,
    });
    // API Gateway writes execution logs (ERROR level, below) to this group, creating it without retention or a key
    // if it does not exist when the stage first logs: declared here, with both, and before the stage.
    const executionLogs = new CloudwatchLogGroup(this, "execution-logs", {
      name: `API-Gateway-Execution-Logs_${this.api.id}/${props.stageName}`,
      retentionInDays: props.logRetentionDays,
      kmsKeyId: props.key.arn,
    });
    const stage = new ApiGatewayStage(this, "stage", {
      restApiId: this.api.id,
      deploymentId: deployment.id,
      stageName: props.stageName,
      xrayTracingEnabled: true,
      accessLogSettings: { destinationArn: accessLogs.arn, format: ACCESS_LOG_FORMAT },
      dependsOn: [...(props.accountSettings ? [props.accountSettings] : []), executionLogs],
    });
    new ApiGatewayMethodSettings(this, "method-settings", {
      restApiId: this.api.id,
      stageName: stage.stageName,
      methodPath: "*/*",
      settings: {
        metricsEnabled: true,
        loggingLevel: "ERROR",
        dataTraceEnabled: false,
        throttlingBurstLimit: props.throttlingBurstLimit,
        throttlingRateLimit: props.throttlingRateLimit,
      },
    });
    return stage;
  }

  /** The resource of a path, created with its parents on first use. */
  private resourceFor(path: string): ApiGatewayResource {
    const existing = this.resources.get(path);
    if (existing) return existing;
    const segments = path.split("/");
    const parentPath = segments.slice(0, -1).join("/");
    const resource = new ApiGatewayResource(this, `resource-${pathId(path)}`, {
      restApiId: this.api.id,
      parentId: parentPath ? this.resourceFor(parentPath).id : this.api.rootResourceId,
      pathPart: segments[segments.length - 1] as string,
    });
    this.resources.set(path, resource);
    this.deploymentInputs.push(resource.id);
    return resource;
  }

  private addMethod(spec: MethodSpec): void {
    const resource = this.resourceFor(spec.path);
    const restApiId = this.api.id;
    if (spec.httpMethod !== "OPTIONS")
      this.methodsByPath.set(spec.path, [...(this.methodsByPath.get(spec.path) ?? []), spec.httpMethod]);
    const method = new ApiGatewayMethod(this, `${spec.id}-method`, {
      restApiId,
      resourceId: resource.id,
      httpMethod: spec.httpMethod,
      ...(spec.scopes
        ? {
            authorization: "COGNITO_USER_POOLS",
            authorizerId: this.authorizer?.id,
            authorizationScopes: [...spec.scopes],
          }
        : { authorization: "NONE" }),
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
    this.deploymentInputs.push(method.id, integration.id);
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
      this.dependents.push(integrationResponse);
    }
    this.dependents.push(method, integration);
    // URIs and credentials hold tokens; Terraform resolves them inside the trigger instead.
    const { uri: _uri, credentials: _credentials, ...staticIntegration } = spec.integration;
    this.definition.push({
      id: spec.id,
      scopes: spec.scopes,
      parameters: spec.parameters,
      integration: staticIntegration,
      responses: spec.responses,
    });
    this.deploymentInputs.push(integration.uri, integration.credentials);
  }
}

/** A path as a construct id fragment: `items/{id}` becomes `items-id`. */
function pathId(path: string): string {
  return path.replace(/[{}]/g, "").replace(/\//g, "-");
}

/**
 * Hash of the API's literal definition (routes, templates, models, gateway responses). It must hold no
 * cdktf token: token strings are numbered by creation order, so an unrelated change would alter the
 * hash and redeploy the API for nothing.
 */
function staticDefinitionHash(text: string): string {
  if (Token.isUnresolved(text))
    throw new Error("The REST API's static definition holds a token; pass it through the trigger's inputs");
  return createHash("sha256").update(text).digest("hex");
}
