import type { Construct } from "constructs";
import type { EnvironmentConfig } from "../../environments/environment-config.ts";
import { SCOPES } from "../../handlers/catalogue.ts";
import { IMPORTS_PREFIX } from "../../handlers/imports/layout.ts";
import { ApiKeyAccess } from "../constructs/api-key-access.ts";
import { RestApi, type RestFunctionRoute } from "../constructs/rest-api.ts";
import type { ServiceQueues } from "../constructs/service-queues.ts";
import type { UserDirectory } from "../constructs/user-directory.ts";
import { WebAcl } from "../constructs/web-acl.ts";
import { type QueueName, REST_STAGE } from "../names.ts";
import {
  COMMAND_ROUTES,
  CORS_ALLOWED_HEADERS,
  CORS_MAX_AGE_SECONDS,
  REQUEST_MODELS,
} from "../rest-models.ts";
import type { Foundation } from "./foundation.ts";
import type { Storage } from "./storage.ts";

export interface RestEdge {
  readonly api: RestApi;
  readonly apiKeyAccess: ApiKeyAccess;
}

/**
 * Step 7: the REST API, one route per catalogue operation onto its queue plus the outcome route, each
 * authorized by the user pool with the operation's scope; the API key and usage plan that meter clients; and
 * the WAF where the environment asks for one.
 */
export function addRestEdge(
  scope: Construct,
  config: EnvironmentConfig,
  foundation: Foundation,
  users: UserDirectory,
  storage: Storage,
  queues: ServiceQueues<QueueName>,
  /** The web app's origin: browsers call from it besides the configured origins. */
  siteOrigin: string,
  /** Answers `POST /imports` with an upload URL for the caller's own key: the function's live alias. */
  uploadUrls: RestFunctionRoute["target"],
): RestEdge {
  const apiName = `${config.namePrefix}-items`;
  const api = new RestApi(scope, "rest-api", {
    apiName,
    stageName: REST_STAGE,
    accountId: config.accountId,
    region: config.region,
    partition: foundation.partition,
    key: foundation.serviceKey,
    logRetentionDays: config.logRetentionDays,
    routes: COMMAND_ROUTES.map((route) => ({ ...route, queue: queues.queues[route.queue] })),
    functionRoutes: [
      {
        id: "create-import",
        method: "POST",
        path: IMPORTS_PREFIX.replace(/\/$/, ""),
        bodyModel: "CreateImport",
        scopes: [SCOPES.write],
        target: uploadUrls,
      },
    ],
    models: REQUEST_MODELS,
    userPoolArn: users.userPool.arn,
    outcomes: {
      path: "requests",
      scopes: [SCOPES.read],
      table: { name: storage.requests.tableName, arn: storage.requests.table.arn },
    },
    cors: {
      allowedOrigins: [...config.restApi.corsAllowedOrigins, siteOrigin],
      allowedHeaders: CORS_ALLOWED_HEADERS,
      maxAgeSeconds: CORS_MAX_AGE_SECONDS,
    },
    throttlingBurstLimit: config.restApi.throttlingBurstLimit,
    throttlingRateLimit: config.restApi.throttlingRateLimit,
    accountSettings: foundation.accountLogging?.settings,
  });
  const apiKeyAccess = new ApiKeyAccess(scope, "api-key-access", {
    name: apiName,
    restApiId: api.api.id,
    stageName: api.stage.stageName,
    throttlingBurstLimit: config.restApi.throttlingBurstLimit,
    throttlingRateLimit: config.restApi.throttlingRateLimit,
  });
  if (config.restApi.waf) {
    new WebAcl(scope, "web-acl", {
      name: apiName,
      stageArn: api.stage.arn,
      requestsPerFiveMinutesPerIp: config.restApi.waf.requestsPerFiveMinutesPerIp,
    });
  }
  return { api, apiKeyAccess };
}
