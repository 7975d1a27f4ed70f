import { randomBytes, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { DynamoDBClient, GetItemCommand, type GetItemCommandInput } from "@aws-sdk/client-dynamodb";
import Ajv from "ajv-draft-04";
import { matchRoute, type RestApiTable, type RouteSpec, selectResponse } from "../../synthesized/rest-api.ts";
import type { LocalEmulation } from "../emulations.ts";
import { listenLocally } from "../listen.ts";
import { sendChecked } from "../sqs/actions.ts";
import type { SqsBroker } from "../sqs/broker.ts";
import { SqsError } from "../sqs/errors.ts";
import { parseSendMessage, SqsRequestError } from "../sqs/query-request.ts";
import { renderMappingTemplate } from "../vtl/engine.ts";

export interface RestServerOptions {
  readonly table: RestApiTable;
  readonly broker: SqsBroker;
  /** The queue an SQS integration URI points at. */
  readonly queueOfUri: (uri: string) => string;
  readonly dynamoEndpoint: string;
  readonly region: string;
  readonly apiKey: string;
  /**
   * The user-pool authorizer: the claims of a token API Gateway's Cognito authorizer would accept for a method
   * with these scopes, or undefined.
   */
  readonly verifyToken: (
    token: string,
    scopes: readonly string[],
  ) => Promise<Record<string, unknown> | undefined>;
  readonly port: number;
  readonly log: (line: string) => void;
  /**
   * Invokes the function a Lambda proxy integration names (its URI, as synthesized) with API Gateway's proxy
   * event, resolving with the function's answer. @default proxy routes answer 500, as with no function
   */
  readonly invokeProxy?: (uri: string, event: unknown) => Promise<unknown>;
  /** Extra handlers tried before the API (the web client, the runner's own endpoints). */
  readonly extraRoutes?: (
    request: IncomingMessage,
    response: ServerResponse,
    body: string,
  ) => Promise<boolean> | boolean;
}

const DEFAULT_STATUS: Record<string, number> = {
  UNAUTHORIZED: 401,
  ACCESS_DENIED: 403,
  BAD_REQUEST_BODY: 400,
  BAD_REQUEST_PARAMETERS: 400,
  MISSING_AUTHENTICATION_TOKEN: 403,
  INVALID_API_KEY: 403,
  UNSUPPORTED_MEDIA_TYPE: 415,
  REQUEST_TOO_LARGE: 413,
  THROTTLED: 429,
  QUOTA_EXCEEDED: 429,
  DEFAULT_4XX: 400,
  DEFAULT_5XX: 500,
};
const DEFAULT_MESSAGE: Record<string, string> = {
  UNAUTHORIZED: "Unauthorized",
  MISSING_AUTHENTICATION_TOKEN: "Missing Authentication Token",
  INVALID_API_KEY: "Forbidden",
  UNSUPPORTED_MEDIA_TYPE: "Unsupported Media Type",
  DEFAULT_5XX: "Internal server error",
};
/** API Gateway's limit on a request body. */
const MAX_BODY_BYTES = 10 * 1024 * 1024;

/**
 * The REST API on 127.0.0.1, as API Gateway runs it from the synthesized stack: API key, request validators
 * with the JSON Schema models, the mapping templates, the SQS / DynamoDB / mock integrations and the
 * gateway responses.
 */
export async function startRestServer(
  options: RestServerOptions,
): Promise<{ url: string; close(): Promise<void> }> {
  const ajv = new Ajv({ allErrors: true });
  const validators = new Map(
    Object.entries(options.table.models).map(([name, schema]) => [name, ajv.compile(schema as object)]),
  );
  const dynamo = new DynamoDBClient({
    endpoint: options.dynamoEndpoint,
    region: options.region,
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });

  const server: Server = createServer(async (request, response) => {
    const started = performance.now();
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of request) {
      size += (chunk as Buffer).length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk as Buffer);
    }
    const body = Buffer.concat(chunks).toString("utf8");
    const requestId = firstHeader(request, "x-amzn-requestid") ?? randomUUID();
    const extendedRequestId = newExtendedRequestId();
    const send = (status: number, text: string, headers: Record<string, string> = {}) => {
      response.writeHead(status, {
        "content-type": "application/json",
        "x-amzn-requestid": requestId,
        "x-amz-apigw-id": extendedRequestId,
        ...headers,
      });
      response.end(text);
      // Logged as the templates make it URL-safe: the requestId a client is answered with.
      options.log(
        `${request.method} ${request.url} ${status} ${(performance.now() - started).toFixed(1)}ms ${Buffer.from(extendedRequestId, "base64").toString("base64url")}`,
      );
    };
    try {
      if (options.extraRoutes && (await options.extraRoutes(request, response, body))) return;
      const url = new URL(request.url ?? "/", "http://local");
      const gatewayResponse = (type: string, validationError = "") => {
        const spec = options.table.gatewayResponses[type] ?? options.table.gatewayResponses.DEFAULT_4XX;
        const text = (spec?.template ?? '{"error":$context.error.messageString}')
          .replaceAll("$context.error.validationErrorString", JSON.stringify(validationError).slice(1, -1))
          .replaceAll("$context.error.messageString", JSON.stringify(DEFAULT_MESSAGE[type] ?? "Bad Request"))
          .replaceAll("$context.extendedRequestId", extendedRequestId)
          .replaceAll("$context.requestId", requestId);
        send(Number(spec?.statusCode ?? DEFAULT_STATUS[type] ?? 400), text, spec?.headers ?? {});
      };
      if (size > MAX_BODY_BYTES) return gatewayResponse("REQUEST_TOO_LARGE");
      const matched = matchRoute(options.table, request.method ?? "GET", url.pathname);
      if (!matched) return gatewayResponse("MISSING_AUTHENTICATION_TOKEN");
      const { route, pathParameters } = matched;
      // API Gateway authenticates before it checks the API key: the key meters, the token identifies.
      let claims: Record<string, unknown> | undefined;
      if (route.authorization === "COGNITO_USER_POOLS") {
        const token = /^(?:Bearer )?(\S+)$/.exec(firstHeader(request, "authorization") ?? "")?.[1];
        claims = token ? await options.verifyToken(token, route.authorizationScopes) : undefined;
        if (!claims) return gatewayResponse("UNAUTHORIZED");
      }
      if (route.apiKeyRequired && firstHeader(request, "x-api-key") !== options.apiKey)
        return gatewayResponse("INVALID_API_KEY");
      const querystring = Object.fromEntries(url.searchParams);
      const problem = validate(route, pathParameters, querystring, body, request, validators);
      if (problem) return gatewayResponse(problem.type, problem.message);

      const header = Object.fromEntries(
        Object.entries(request.headers).map(([name, value]) => [name, String(value)]),
      );
      const context = {
        requestId,
        extendedRequestId,
        ...(claims ? { authorizer: { claims: claimsAsStrings(claims) } } : {}),
        requestTimeEpoch: Date.now(),
        httpMethod: route.httpMethod,
        resourcePath: route.path,
        stage: "local",
        identity: { sourceIp: request.socket.remoteAddress ?? "127.0.0.1" },
      };
      if (route.integration.type === "AWS_PROXY") {
        const answer = await proxy(route, {
          body,
          pathParameters,
          querystring,
          header,
          context,
          path: url.pathname,
        });
        return send(answer.statusCode, answer.body, answer.headers);
      }
      const templateRequest = { body, path: pathParameters, querystring, header, context };
      const integrationRequest = renderMappingTemplate(
        route.integration.requestTemplate,
        templateRequest,
      ).output;
      const integration = await integrate(route, integrationRequest);
      const chosen = selectResponse(route, integration.status);
      const rendered = renderMappingTemplate(chosen.template, { ...templateRequest, body: integration.body });
      send(rendered.statusOverride ?? Number(chosen.statusCode), rendered.output, {
        ...chosen.headers,
        ...rendered.headerOverrides,
      });
    } catch (error) {
      options.log(`${request.method} ${request.url}: ${(error as Error).stack ?? error}`);
      if (!response.headersSent) send(500, JSON.stringify({ error: "internal error", requestId }));
    }
  });

  /** A Lambda proxy integration: the request as API Gateway's proxy event, the function's answer as the response. */
  async function proxy(
    route: RouteSpec,
    request: {
      body: string;
      pathParameters: Record<string, string>;
      querystring: Record<string, string>;
      header: Record<string, string>;
      context: Record<string, unknown>;
      path: string;
    },
  ): Promise<{ statusCode: number; body: string; headers: Record<string, string> }> {
    if (!options.invokeProxy) throw new Error(`Integration ${route.integration.uri} is not served locally`);
    const event = {
      resource: `/${route.path}`,
      path: request.path,
      httpMethod: route.httpMethod,
      headers: request.header,
      multiValueHeaders: Object.fromEntries(
        Object.entries(request.header).map(([name, value]) => [name, [value]]),
      ),
      queryStringParameters: Object.keys(request.querystring).length > 0 ? request.querystring : null,
      pathParameters: Object.keys(request.pathParameters).length > 0 ? request.pathParameters : null,
      stageVariables: null,
      requestContext: { ...request.context, resourcePath: `/${route.path}`, path: request.path },
      body: request.body === "" ? null : request.body,
      isBase64Encoded: false,
    };
    try {
      const answer = (await options.invokeProxy(route.integration.uri ?? "", event)) as {
        statusCode?: number;
        body?: string;
        headers?: Record<string, string>;
      };
      if (!answer || typeof answer.statusCode !== "number")
        throw new Error("malformed Lambda proxy response");
      return { statusCode: answer.statusCode, body: answer.body ?? "", headers: answer.headers ?? {} };
    } catch (error) {
      // API Gateway answers a failed or malformed invocation with 502, whatever the function meant.
      options.log(`${route.httpMethod} /${route.path}: ${(error as Error).message}`);
      return { statusCode: 502, body: JSON.stringify({ message: "Internal server error" }), headers: {} };
    }
  }

  async function integrate(route: RouteSpec, rendered: string): Promise<{ status: number; body: string }> {
    const uri = route.integration.uri ?? "";
    if (route.integration.type === "MOCK")
      return { status: Number(JSON.parse(rendered).statusCode ?? 200), body: "" };
    if (uri.includes(":sqs:path/")) {
      try {
        const call = parseSendMessage(rendered);
        const attributes = Object.fromEntries(
          Object.entries(call.messageAttributes).map(([name, value]) => [
            name,
            { DataType: value.dataType, StringValue: value.stringValue },
          ]),
        );
        const sent = sendChecked(options.broker, options.queueOfUri(uri), call.messageBody, attributes);
        return {
          status: 200,
          body: `<SendMessageResponse><MessageId>${sent.messageId}</MessageId></SendMessageResponse>`,
        };
      } catch (error) {
        if (error instanceof SqsRequestError)
          return { status: 400, body: `<ErrorResponse><Code>${error.code}</Code></ErrorResponse>` };
        if (error instanceof SqsError)
          return {
            status: error.status,
            body: `<ErrorResponse><Code>${error.queryCode}</Code></ErrorResponse>`,
          };
        throw error;
      }
    }
    if (uri.endsWith(":dynamodb:action/GetItem")) {
      try {
        const output = await dynamo.send(new GetItemCommand(JSON.parse(rendered) as GetItemCommandInput));
        return { status: 200, body: JSON.stringify(output.Item ? { Item: output.Item } : {}) };
      } catch (error) {
        return {
          status: 400,
          body: JSON.stringify({ __type: (error as Error).name, message: (error as Error).message }),
        };
      }
    }
    throw new Error(`Integration ${uri} is not served locally`);
  }

  const port = await listenLocally(server, options.port, "the REST API", "--rest-port");
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      dynamo.destroy();
    },
  };
}

/**
 * API Gateway's `extendedRequestId`: base64 of eleven bytes, as `x-amz-apigw-id` shows it (e.g. `CJ1tGHA2joEFZ6w=`),
 * `+` and `/` included, which the templates must make URL-safe. No client can choose it.
 */
function newExtendedRequestId(): string {
  return randomBytes(11).toString("base64");
}

/** The Cognito authorizer hands claims to templates as strings (a list claim as its JSON text). */
function claimsAsStrings(claims: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(claims).map(([name, value]) => [
      name,
      typeof value === "string" ? value : JSON.stringify(value),
    ]),
  );
}

function firstHeader(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

type Validate = ReturnType<Ajv["compile"]>;

/** What API Gateway's request validator would refuse, as the gateway response type and its message. */
function validate(
  route: RouteSpec,
  path: Record<string, string>,
  querystring: Record<string, string>,
  body: string,
  request: IncomingMessage,
  validators: Map<string, Validate>,
): { type: string; message: string } | undefined {
  if (route.integration.type !== "MOCK" && body.length > 0) {
    const contentType = firstHeader(request, "content-type") ?? "application/json";
    if (!contentType.toLowerCase().startsWith("application/json"))
      return { type: "UNSUPPORTED_MEDIA_TYPE", message: "" };
  }
  if (route.validator?.parameters) {
    const missing = Object.entries(route.requestParameters)
      .filter(([, required]) => required)
      .map(([name]) => name.split("."))
      .filter(([, , location, parameter]) => {
        const values = location === "path" ? path : location === "querystring" ? querystring : {};
        return !values[parameter ?? ""];
      })
      .map((parts) => parts[3]);
    if (missing.length > 0)
      return {
        type: "BAD_REQUEST_PARAMETERS",
        message: `Missing required request parameters: [${missing.join(", ")}]`,
      };
  }
  if (route.validator?.body && route.requestModel) {
    let document: unknown;
    try {
      document = JSON.parse(body || "null");
    } catch {
      return { type: "BAD_REQUEST_BODY", message: "Invalid request body" };
    }
    const check = validators.get(route.requestModel);
    if (check && !check(document)) {
      const reasons = (check.errors ?? []).map((error) =>
        error.keyword === "additionalProperties"
          ? `object instance has properties which are not allowed by the schema: ["${String(error.params.additionalProperty)}"]`
          : `${error.instancePath.slice(1) || "object"} ${error.message ?? "is invalid"}`,
      );
      return { type: "BAD_REQUEST_BODY", message: `[${reasons.join(", ")}]` };
    }
  }
  return undefined;
}

/** The REST API for the runner: everything API Gateway reads to answer a request. */
export const restApiEmulation: LocalEmulation = {
  service: "API Gateway (REST)",
  references: {},
  alsoServes: [
    "aws_api_gateway_authorizer",
    "aws_api_gateway_rest_api",
    "aws_api_gateway_resource",
    "aws_api_gateway_method",
    "aws_api_gateway_method_response",
    "aws_api_gateway_integration",
    "aws_api_gateway_integration_response",
    "aws_api_gateway_model",
    "aws_api_gateway_request_validator",
    "aws_api_gateway_gateway_response",
  ],
};
