/**
 * The REST API of a synthesized stack (`cdk.tf.json`), read back into routes: method, path, integration,
 * templates and integration responses. Tests render what was synthesized through it, never a copy, and
 * the local runner serves the same table.
 */

type Resources = Record<string, Record<string, Record<string, unknown>>>;

export interface IntegrationResponseSpec {
  readonly statusCode: string;
  /** Regex matched against the integration's HTTP status; absent for the default response. */
  readonly selectionPattern?: string;
  readonly template: string;
  /** Static `method.response.header.*` values, quotes removed. */
  readonly headers: Readonly<Record<string, string>>;
}

export interface RouteSpec {
  readonly httpMethod: string;
  /** Path with `{parameters}`, e.g. `/items/{id}`. */
  readonly path: string;
  readonly apiKeyRequired: boolean;
  /** `NONE`, or `COGNITO_USER_POOLS` with the scopes of which an access token must carry one. */
  readonly authorization: string;
  readonly authorizationScopes: readonly string[];
  readonly requestParameters: Readonly<Record<string, boolean>>;
  readonly requestModel?: string;
  readonly validator?: { readonly body: boolean; readonly parameters: boolean };
  readonly integration: {
    readonly type: string;
    readonly uri?: string;
    readonly requestTemplate: string;
    readonly passthroughBehavior?: string;
  };
  readonly responses: readonly IntegrationResponseSpec[];
}

export interface RestApiTable {
  readonly routes: readonly RouteSpec[];
  /** JSON Schemas by model name. */
  readonly models: Readonly<Record<string, unknown>>;
  readonly gatewayResponses: Readonly<
    Record<string, { statusCode?: string; template: string; headers?: Record<string, string> }>
  >;
}

const reference = (type: string, id: string, attribute: string) => `\${${type}.${id}.${attribute}}`;

export function readRestApi(stack: { resource: Resources }): RestApiTable {
  const of = (type: string) => stack.resource[type] ?? {};
  const [apiId] = Object.keys(of("aws_api_gateway_rest_api"));
  if (!apiId) throw new Error("The stack has no aws_api_gateway_rest_api");
  const root = reference("aws_api_gateway_rest_api", apiId, "root_resource_id");

  const pathOf = new Map<string, string>([[root, ""]]);
  const resources = Object.entries(of("aws_api_gateway_resource"));
  for (let pending = resources.length; pending > 0; pending -= 1) {
    for (const [id, resource] of resources) {
      const parent = pathOf.get(String(resource.parent_id));
      if (parent !== undefined)
        pathOf.set(reference("aws_api_gateway_resource", id, "id"), `${parent}/${resource.path_part}`);
    }
  }
  const resourcePath = (resourceId: unknown) => {
    const path = pathOf.get(String(resourceId));
    if (path === undefined) throw new Error(`Unknown resource ${String(resourceId)}`);
    return path === "" ? "/" : path;
  };

  const validators = new Map(
    Object.entries(of("aws_api_gateway_request_validator")).map(([id, validator]) => [
      reference("aws_api_gateway_request_validator", id, "id"),
      {
        body: validator.validate_request_body === true,
        parameters: validator.validate_request_parameters === true,
      },
    ]),
  );
  const modelNames = new Map(
    Object.entries(of("aws_api_gateway_model")).map(([id, model]) => [
      reference("aws_api_gateway_model", id, "name"),
      String(model.name),
    ]),
  );
  const models = Object.fromEntries(
    Object.values(of("aws_api_gateway_model")).map((model) => [
      String(model.name),
      JSON.parse(String(model.schema)),
    ]),
  );

  const key = (resourceId: unknown, httpMethod: string) => `${String(resourceId)} ${httpMethod}`;
  const methodByRef = new Map<string, string>();
  for (const [id, method] of Object.entries(of("aws_api_gateway_method"))) {
    methodByRef.set(reference("aws_api_gateway_method", id, "http_method"), String(method.http_method));
  }
  const methodOf = (value: unknown) => methodByRef.get(String(value)) ?? String(value);
  const integrations = new Map(
    Object.values(of("aws_api_gateway_integration")).map((integration) => [
      key(integration.resource_id, methodOf(integration.http_method)),
      integration,
    ]),
  );
  const responses = new Map<string, IntegrationResponseSpec[]>();
  const statusByRef = new Map(
    Object.entries(of("aws_api_gateway_method_response")).map(([id, response]) => [
      reference("aws_api_gateway_method_response", id, "status_code"),
      String(response.status_code),
    ]),
  );
  for (const response of Object.values(of("aws_api_gateway_integration_response"))) {
    const routeKey = key(response.resource_id, methodOf(response.http_method));
    const headers = Object.fromEntries(
      Object.entries((response.response_parameters ?? {}) as Record<string, string>).map(([name, value]) => [
        name.replace("method.response.header.", ""),
        value.replace(/^'|'$/g, ""),
      ]),
    );
    const list = responses.get(routeKey) ?? [];
    list.push({
      statusCode: statusByRef.get(String(response.status_code)) ?? String(response.status_code),
      selectionPattern:
        response.selection_pattern === undefined ? undefined : String(response.selection_pattern),
      template: String(
        (response.response_templates as Record<string, string> | undefined)?.["application/json"] ?? "",
      ),
      headers,
    });
    responses.set(routeKey, list);
  }

  const routes = Object.values(of("aws_api_gateway_method")).map((method): RouteSpec => {
    const routeKey = key(method.resource_id, String(method.http_method));
    const integration = integrations.get(routeKey);
    if (!integration) throw new Error(`No integration for ${routeKey}`);
    const requestModel = (method.request_models as Record<string, string> | undefined)?.["application/json"];
    return {
      httpMethod: String(method.http_method),
      path: resourcePath(method.resource_id),
      apiKeyRequired: method.api_key_required === true,
      authorization: String(method.authorization ?? "NONE"),
      authorizationScopes: (method.authorization_scopes as string[] | undefined) ?? [],
      requestParameters: (method.request_parameters ?? {}) as Record<string, boolean>,
      requestModel: requestModel === undefined ? undefined : (modelNames.get(requestModel) ?? requestModel),
      validator:
        method.request_validator_id === undefined
          ? undefined
          : validators.get(String(method.request_validator_id)),
      integration: {
        type: String(integration.type),
        uri: integration.uri === undefined ? undefined : String(integration.uri),
        requestTemplate: String(
          (integration.request_templates as Record<string, string> | undefined)?.["application/json"] ?? "",
        ),
        passthroughBehavior:
          integration.passthrough_behavior === undefined
            ? undefined
            : String(integration.passthrough_behavior),
      },
      responses: responses.get(routeKey) ?? [],
    };
  });

  const gatewayResponses = Object.fromEntries(
    Object.values(of("aws_api_gateway_gateway_response")).map((response) => [
      String(response.response_type),
      {
        statusCode: response.status_code === undefined ? undefined : String(response.status_code),
        template: String((response.response_templates as Record<string, string>)["application/json"]),
        headers: Object.fromEntries(
          Object.entries((response.response_parameters ?? {}) as Record<string, string>).map(
            ([name, value]) => [name.replace("gatewayresponse.header.", ""), value.replace(/^'|'$/g, "")],
          ),
        ),
      },
    ]),
  );
  return { routes, models, gatewayResponses };
}

/** The route for a method and a concrete path, with the path's parameters. */
export function matchRoute(
  table: RestApiTable,
  httpMethod: string,
  path: string,
): { route: RouteSpec; pathParameters: Record<string, string> } | undefined {
  const segments = path.split("/").filter(Boolean);
  for (const route of table.routes) {
    if (route.httpMethod !== httpMethod) continue;
    const pattern = route.path.split("/").filter(Boolean);
    if (pattern.length !== segments.length) continue;
    const pathParameters: Record<string, string> = {};
    const matches = pattern.every((part, index) => {
      const segment = segments[index] as string;
      if (part.startsWith("{") && part.endsWith("}")) {
        pathParameters[part.slice(1, -1)] = decodeURIComponent(segment);
        return true;
      }
      return part === segment;
    });
    if (matches) return { route, pathParameters };
  }
  return undefined;
}

/** The integration response API Gateway picks for an integration status: a matching pattern, else the default. */
export function selectResponse(route: RouteSpec, integrationStatus: number): IntegrationResponseSpec {
  const status = String(integrationStatus);
  const matched = route.responses.find(
    (response) =>
      response.selectionPattern !== undefined &&
      new RegExp(`^(?:${response.selectionPattern})$`).test(status),
  );
  const fallback = route.responses.find((response) => response.selectionPattern === undefined);
  const chosen = matched ?? fallback;
  if (!chosen) throw new Error(`${route.httpMethod} ${route.path} has no integration response for ${status}`);
  return chosen;
}
