import { IMPORT_FILE_MAX_MB } from "../environments/imports-config.ts";
import {
  type BodyModelName,
  OPERATION_CATALOGUE,
  OPERATIONS,
  type Operation,
} from "../handlers/catalogue.ts";
import { DESCRIPTION_MAX, NAME_MAX, TEXT_PATTERN } from "../handlers/lib/limits.ts";
import type { CommandRoute } from "./api-templates.ts";
import type { CommandQueueName } from "./names.ts";

/** A REST route that validates, builds a command and puts it on a queue: one per catalogue operation. */
export interface CommandRouteSpec {
  readonly method: string;
  /** Resource path below the API root. */
  readonly path: string;
  readonly queue: CommandQueueName;
  /** OAuth scopes of which the caller's access token must carry one. */
  readonly scopes: readonly string[];
  readonly command: CommandRoute;
  /** Name of the JSON Schema model the body must match. @default no body */
  readonly bodyModel?: BodyModelName;
}

function commandRoute(operation: Operation): CommandRouteSpec {
  const spec = OPERATION_CATALOGUE[operation];
  const bodyModel: BodyModelName | undefined = "bodyModel" in spec ? spec.bodyModel : undefined;
  return {
    method: spec.method,
    path: spec.path,
    queue: spec.queue,
    scopes: [spec.scope],
    ...(bodyModel ? { bodyModel } : {}),
    command: {
      operation,
      acceptedMessage: spec.acceptedMessage,
      itemId: spec.carriesItemId,
      payload: bodyModel !== undefined,
      query: spec.carriesQuery,
    },
  };
}

export const COMMAND_ROUTES: readonly CommandRouteSpec[] = OPERATIONS.map(commandRoute);

const itemFields = {
  name: { type: "string", minLength: 1, maxLength: NAME_MAX, pattern: TEXT_PATTERN },
  description: { type: "string", maxLength: DESCRIPTION_MAX, pattern: TEXT_PATTERN },
} as const;

/**
 * Request body models (JSON Schema draft 4, as API Gateway validates). The limits are the handlers'
 * own, so a body the gateway accepts is one the consumer accepts; they also bound the command to a few
 * KiB, far below SQS's 256 KiB message limit.
 */
export const REQUEST_MODELS: Readonly<Record<BodyModelName, Record<string, unknown>>> = {
  CreateItem: {
    $schema: "http://json-schema.org/draft-04/schema#",
    title: "CreateItem",
    type: "object",
    required: ["name"],
    additionalProperties: false,
    properties: itemFields,
  },
  UpdateItem: {
    $schema: "http://json-schema.org/draft-04/schema#",
    title: "UpdateItem",
    type: "object",
    minProperties: 1,
    additionalProperties: false,
    properties: itemFields,
  },
  // The shape only; the function checks the name's rules and the environment's size limit, naming what is wrong.
  CreateImport: {
    $schema: "http://json-schema.org/draft-04/schema#",
    title: "CreateImport",
    type: "object",
    required: ["name", "size"],
    additionalProperties: false,
    properties: {
      name: { type: "string", minLength: 1, maxLength: 100 },
      size: { type: "integer", minimum: 1, maximum: IMPORT_FILE_MAX_MB * 1024 * 1024 },
    },
  },
};

/** Headers browsers may send cross-origin: the body type, the user's token and the client's API key. */
export const CORS_ALLOWED_HEADERS = ["Content-Type", "Authorization", "X-Api-Key"] as const;
export const CORS_MAX_AGE_SECONDS = 600;
