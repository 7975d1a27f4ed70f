import { DESCRIPTION_MAX, NAME_MAX } from "../handlers/lib/limits.ts";
import type { CommandRoute } from "./api-templates.ts";
import type { CommandQueueName } from "./service-stack.ts";

/** A REST route that validates, builds a command and puts it on a queue. */
export interface CommandRouteSpec {
  readonly method: "GET" | "POST" | "PUT" | "DELETE";
  /** Resource path below the API root. */
  readonly path: "items" | "items/{id}";
  readonly queue: CommandQueueName;
  readonly command: CommandRoute;
  /** Name of the JSON Schema model the body must match. @default no body */
  readonly bodyModel?: keyof typeof REQUEST_MODELS;
}

export const COMMAND_ROUTES: readonly CommandRouteSpec[] = [
  {
    method: "POST",
    path: "items",
    queue: "create",
    bodyModel: "CreateItem",
    command: {
      operation: "create",
      acceptedMessage: "Item creation request received",
      itemId: false,
      payload: true,
      query: false,
    },
  },
  {
    method: "GET",
    path: "items",
    queue: "read",
    command: {
      operation: "list",
      acceptedMessage: "Item list request received",
      itemId: false,
      payload: false,
      query: true,
    },
  },
  {
    method: "GET",
    path: "items/{id}",
    queue: "read",
    command: {
      operation: "get",
      acceptedMessage: "Item read request received",
      itemId: true,
      payload: false,
      query: false,
    },
  },
  {
    method: "PUT",
    path: "items/{id}",
    queue: "update",
    bodyModel: "UpdateItem",
    command: {
      operation: "update",
      acceptedMessage: "Item update request received",
      itemId: true,
      payload: true,
      query: false,
    },
  },
  {
    method: "DELETE",
    path: "items/{id}",
    queue: "delete",
    command: {
      operation: "delete",
      acceptedMessage: "Item deletion request received",
      itemId: true,
      payload: false,
      query: false,
    },
  },
];

const itemFields = {
  name: { type: "string", minLength: 1, maxLength: NAME_MAX },
  description: { type: "string", maxLength: DESCRIPTION_MAX },
} as const;

/**
 * Request body models (JSON Schema draft 4, as API Gateway validates). The limits are the handlers'
 * own, so a body the gateway accepts is one the consumer accepts; they also bound the command to a few
 * KiB, far below SQS's 256 KiB message limit.
 */
export const REQUEST_MODELS = {
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
} as const;

/** Headers browsers may send cross-origin: the body type, the API key, and a caller-chosen request id. */
export const CORS_ALLOWED_HEADERS = ["Content-Type", "X-Api-Key", "X-Amzn-RequestId"] as const;
export const CORS_MAX_AGE_SECONDS = 600;
