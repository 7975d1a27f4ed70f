/**
 * The service's one catalogue: every deployed function with its entry file, and every operation with the
 * route that accepts it, the queue that carries it, the function that carries it out, the items-table
 * actions it needs and the body model it is validated against. The stack, the REST edge, the handlers'
 * contracts and the tests all derive from these two tables, so adding an operation is one entry here plus
 * its handler. A leaf module: it imports nothing, so both the handlers' bundles and the synth can load it.
 */

/**
 * Every deployed function and the entry file it is bundled from (relative to the project root).
 * The bundler builds exactly these, and the stack creates one function per name.
 */
export const HANDLER_ENTRIES = {
  "items-create": "handlers/items/create.ts",
  "items-read": "handlers/items/read.ts",
  "items-update": "handlers/items/update.ts",
  "items-delete": "handlers/items/delete.ts",
  notification: "handlers/notification.ts",
  "ws-authorizer": "handlers/websocket/authorizer.ts",
  "ws-connect": "handlers/websocket/connect.ts",
  "ws-disconnect": "handlers/websocket/disconnect.ts",
  "ws-default": "handlers/websocket/default.ts",
  "item-events": "handlers/item-events/publish.ts",
  "job-cleanup": "handlers/jobs/cleanup.ts",
  "job-report": "handlers/jobs/report.ts",
  "job-canary": "handlers/jobs/canary.ts",
  importer: "handlers/imports/import.ts",
  "import-upload": "handlers/imports/upload-url.ts",
} as const;

export type HandlerName = keyof typeof HANDLER_ENTRIES;

// Marked pure so bundling drops the list from every handler that does not use it: adding a function must not
// change the other functions' bundles (and put them all in the next plan).
export const HANDLER_NAMES = /* @__PURE__ */ Object.keys(HANDLER_ENTRIES) as HandlerName[];

/** DynamoDB actions an operation may need on the items table. */
export type ItemsTableAction =
  | "dynamodb:GetItem"
  | "dynamodb:PutItem"
  | "dynamodb:UpdateItem"
  | "dynamodb:DeleteItem"
  | "dynamodb:Query"
  | "dynamodb:Scan";

/**
 * The OAuth resource server the API is to Cognito, and its scopes: an access token names the ones its client
 * was granted, and each route requires one.
 */
export const RESOURCE_SERVER = "items";
export const SCOPES = { read: `${RESOURCE_SERVER}/read`, write: `${RESOURCE_SERVER}/write` } as const;
export type Scope = (typeof SCOPES)[keyof typeof SCOPES];
export const ALL_SCOPES: readonly Scope[] = Object.values(SCOPES);

/** Request body models; their JSON Schemas live with the REST edge (`stacks/rest-models.ts`). */
export type BodyModelName = "CreateItem" | "UpdateItem" | "CreateImport";

export interface OperationSpec {
  readonly method: "GET" | "POST" | "PUT" | "DELETE";
  /** Resource path below the API root, `{id}` being the item id. */
  readonly path: string;
  /**
   * The queue (operation family) that carries the command. Operations sharing a queue share its one
   * consumer: Lambda deletes SQS messages a filtered mapping does not match, so a queue never has two.
   */
  readonly queue: string;
  /** The scope an access token must carry to call the route. */
  readonly scope: Scope;
  /** The function consuming `queue`; every operation on one queue names the same function. */
  readonly handler: HandlerName;
  /** What carrying the operation out does to the items table; the consumer's role gets the union. */
  readonly itemsTableActions: readonly ItemsTableAction[];
  /** What it reads through the index of each user's items, newest first. @default nothing */
  readonly ownerIndexActions?: readonly ItemsTableAction[];
  /** Text of the 202 answer's `message`. */
  readonly acceptedMessage: string;
  /** The JSON body the route takes, validated by API Gateway against this model. @default no body */
  readonly bodyModel?: BodyModelName;
  /** Whether the command carries the `{id}` path parameter. */
  readonly carriesItemId: boolean;
  /** Whether the command carries `limit` and `lastKey` from the query string. */
  readonly carriesQuery: boolean;
}

/**
 * Every operation, in the order the REST API declares its routes (the order is part of the API's
 * deployment hash, so a reordering redeploys the stage).
 */
export const OPERATION_CATALOGUE = {
  create: {
    scope: SCOPES.write,
    method: "POST",
    path: "items",
    queue: "create",
    handler: "items-create",
    itemsTableActions: ["dynamodb:GetItem", "dynamodb:PutItem"],
    acceptedMessage: "Item creation request received",
    bodyModel: "CreateItem",
    carriesItemId: false,
    carriesQuery: false,
  },
  list: {
    scope: SCOPES.read,
    method: "GET",
    path: "items",
    queue: "read",
    handler: "items-read",
    itemsTableActions: [],
    ownerIndexActions: ["dynamodb:Query"],
    acceptedMessage: "Item list request received",
    carriesItemId: false,
    carriesQuery: true,
  },
  get: {
    scope: SCOPES.read,
    method: "GET",
    path: "items/{id}",
    queue: "read",
    handler: "items-read",
    itemsTableActions: ["dynamodb:GetItem"],
    acceptedMessage: "Item read request received",
    carriesItemId: true,
    carriesQuery: false,
  },
  update: {
    scope: SCOPES.write,
    method: "PUT",
    path: "items/{id}",
    queue: "update",
    handler: "items-update",
    // GetItem: a refused conditional update reads the row to tell a redelivery from a conflict or a missing item.
    itemsTableActions: ["dynamodb:GetItem", "dynamodb:UpdateItem"],
    acceptedMessage: "Item update request received",
    bodyModel: "UpdateItem",
    carriesItemId: true,
    carriesQuery: false,
  },
  delete: {
    scope: SCOPES.write,
    method: "DELETE",
    path: "items/{id}",
    queue: "delete",
    handler: "items-delete",
    // A delete writes a tombstone (UpdateItem), and reads the row when its condition fails, as an update does.
    itemsTableActions: ["dynamodb:GetItem", "dynamodb:UpdateItem"],
    acceptedMessage: "Item deletion request received",
    carriesItemId: true,
    carriesQuery: false,
  },
} as const satisfies Record<string, OperationSpec>;

export type Operation = keyof typeof OPERATION_CATALOGUE;

export const OPERATIONS = Object.keys(OPERATION_CATALOGUE) as Operation[];

/** A queue carrying commands from the REST API: one per operation family. */
export type CommandQueueName = (typeof OPERATION_CATALOGUE)[Operation]["queue"];

/** The command queues, in catalogue order, each once. */
export const COMMAND_QUEUES = [
  ...new Set(OPERATIONS.map((operation) => OPERATION_CATALOGUE[operation].queue)),
];

/** The operations one command queue carries. */
export function operationsOn(queue: CommandQueueName): Operation[] {
  return OPERATIONS.filter((operation) => OPERATION_CATALOGUE[operation].queue === queue);
}

/**
 * What makes the catalogue unusable, one line each: a queue whose operations name different consumers (Lambda
 * would delete each other's messages), or a function consuming two queues (a function has one event source).
 */
export function catalogueProblems(
  catalogue: Readonly<Record<string, OperationSpec>> = OPERATION_CATALOGUE,
): string[] {
  const problems: string[] = [];
  const consumers = new Map<string, Set<string>>();
  const queuesOf = new Map<string, Set<string>>();
  for (const spec of Object.values(catalogue)) {
    consumers.set(spec.queue, (consumers.get(spec.queue) ?? new Set()).add(spec.handler));
    queuesOf.set(spec.handler, (queuesOf.get(spec.handler) ?? new Set()).add(spec.queue));
  }
  for (const [queue, handlers] of consumers)
    if (handlers.size > 1)
      problems.push(`queue "${queue}" is consumed by ${[...handlers].join(" and ")}; one consumer per queue`);
  for (const [handler, queues] of queuesOf)
    if (queues.size > 1)
      problems.push(`handler "${handler}" consumes ${[...queues].join(" and ")}; one queue per handler`);
  return problems;
}

/** The one function consuming a command queue; the catalogue is wrong if its operations disagree. */
export function consumerOf(queue: CommandQueueName): HandlerName {
  const handlers = [
    ...new Set(operationsOn(queue).map((operation) => OPERATION_CATALOGUE[operation].handler)),
  ];
  if (handlers.length !== 1)
    throw new Error(
      `Queue "${queue}" must have exactly one consumer, but its operations name ${handlers.join(", ") || "none"}`,
    );
  return handlers[0] as HandlerName;
}
