import { Fn } from "cdktf";
import type { Construct } from "constructs";
import type { EnvironmentConfig } from "../../environments/environment-config.ts";
import {
  COMMAND_QUEUES,
  consumerOf,
  HANDLER_NAMES,
  type HandlerName,
  OPERATION_CATALOGUE,
  type OperationSpec,
  operationsOn,
} from "../../handlers/catalogue.ts";
import { IMPORTS_PREFIX, RESULTS_PREFIX } from "../../handlers/imports/layout.ts";
import { REPORTS_PREFIX } from "../../handlers/jobs/contract.ts";
import { ENV, IMPORTS_ENV, JOBS_ENV, PUBLISHER_ENV } from "../../handlers/lib/environment.ts";
import type { BulkImport } from "../constructs/bulk-import.ts";
import { BundledFunction } from "../constructs/bundled-function.ts";
import type { DomainEvents } from "../constructs/domain-events.ts";
import { QueueSubscription } from "../constructs/queue-subscription.ts";
import type { RestApi } from "../constructs/rest-api.ts";
import type { ScheduledJobs } from "../constructs/scheduled-jobs.ts";
import type { ServiceQueues } from "../constructs/service-queues.ts";
import type { UserDirectory } from "../constructs/user-directory.ts";
import type { WebSocketApi } from "../constructs/websocket-api.ts";
import { ITEMS_BY_OWNER_INDEX, METRICS_NAMESPACE, QUEUE_NAMES, type QueueName } from "../names.ts";
import { type FunctionAccess, functionPermissions } from "../permissions.ts";
import type { Foundation } from "./foundation.ts";
import type { Storage } from "./storage.ts";

/** What one function may touch and the variables it reads. */
interface FunctionSpec {
  readonly access: FunctionAccess;
  readonly environment: Readonly<Record<string, string>>;
  /** Its own memory and timeout, where the environment's function settings do not fit its work. */
  readonly sizing?: { readonly memoryMb: number; readonly timeoutSeconds: number };
  /**
   * Its own reserved concurrency, where the environment's would hold capacity it never uses (a job runs once at a
   * time) or let one kind of work crowd out the rest (imports). @default the environment's
   */
  readonly reservedConcurrency?: number;
}

export interface FunctionsProps {
  readonly config: EnvironmentConfig;
  /** Bundle folder of every handler, from `bundleHandlers`. */
  readonly bundles: Readonly<Record<HandlerName, string>>;
  readonly foundation: Foundation;
  readonly storage: Storage;
  readonly queues: ServiceQueues<QueueName>;
  readonly websocket: WebSocketApi;
  readonly identity: UserDirectory;
  readonly domainEvents: DomainEvents;
  readonly jobs: ScheduledJobs;
  /** The public REST API, which the canary calls as a client would. */
  readonly restApi: RestApi;
  readonly imports: BulkImport;
}

/**
 * Step 5: one function per handler, each with its own least-privilege role, and each queue subscribed by
 * its one consumer. The command consumers' access is derived from the operation catalogue.
 */
export function addFunctions(scope: Construct, props: FunctionsProps): Record<HandlerName, BundledFunction> {
  const { config, foundation } = props;
  const specs = functionSpecs(props);
  const unspecified = HANDLER_NAMES.filter((name) => !specs[name]);
  if (unspecified.length > 0)
    throw new Error(
      `No access or environment for handler(s) ${unspecified.join(", ")}: add them to functionSpecs in stacks/capabilities/functions.ts`,
    );
  const functions = {} as Record<HandlerName, BundledFunction>;
  for (const name of HANDLER_NAMES) {
    const spec = specs[name] as FunctionSpec;
    functions[name] = new BundledFunction(scope, `${name}-function`, {
      functionName: `${config.namePrefix}-${name}`,
      bundleDirectory: props.bundles[name],
      accountId: config.accountId,
      permissions: functionPermissions(spec.access, foundation.serviceKey),
      kmsKeyArn: foundation.keyArn,
      logRetentionDays: config.logRetentionDays,
      memoryMb: spec.sizing?.memoryMb ?? config.lambda.memoryMb,
      timeoutSeconds: spec.sizing?.timeoutSeconds ?? config.lambda.timeoutSeconds,
      reservedConcurrency: spec.reservedConcurrency ?? config.lambda.reservedConcurrency,
      provisionedConcurrency: config.lambda.provisionedConcurrency?.[name],
      environment: {
        POWERTOOLS_SERVICE_NAME: name,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        ...spec.environment,
      },
    });
  }
  const consumers: Record<QueueName, HandlerName> = {
    ...(Object.fromEntries(COMMAND_QUEUES.map((queue) => [queue, consumerOf(queue)])) as Record<
      (typeof COMMAND_QUEUES)[number],
      HandlerName
    >),
    notifications: "notification",
  };
  for (const queueName of QUEUE_NAMES) {
    new QueueSubscription(scope, `${queueName}-subscription`, {
      queue: props.queues.queues[queueName],
      function: functions[consumers[queueName]].alias,
      batchSize: config.eventSource.batchSize,
      maxBatchingWindowSeconds: config.eventSource.maxBatchingWindowSeconds,
      maxConcurrency: config.eventSource.maxConcurrency,
    });
  }
  return functions;
}

function functionSpecs({
  config,
  storage,
  queues: serviceQueues,
  websocket,
  identity,
  domainEvents,
  jobs,
  restApi,
  imports,
}: FunctionsProps): Partial<Record<HandlerName, FunctionSpec>> {
  const queues = serviceQueues.queues;
  const { items, connections, requests } = storage;
  const table = (name: string, target: { table: { arn: string } }, actions: readonly string[]) => ({
    name,
    arn: target.table.arn,
    actions,
  });
  // Every SQS consumer holds a failed record back for a growing backoff (handlers/lib/faults.ts).
  const retryBackoff = {
    [ENV.retryBackoffBaseSeconds]: String(config.queues.retryBackoff.baseSeconds),
    [ENV.retryBackoffMaxSeconds]: String(config.queues.retryBackoff.maxSeconds),
  };
  const commandConsumers = Object.fromEntries(
    COMMAND_QUEUES.map((queue): [HandlerName, FunctionSpec] => {
      const access = itemsAccessOf(queue);
      return [
        consumerOf(queue),
        {
          access: {
            consumes: queues[queue],
            sendsTo: [queues.notifications],
            tables: [
              ...(access.table.length > 0 ? [table("ItemsTable", items, access.table)] : []),
              ...(access.ownerIndex.length > 0
                ? [
                    {
                      name: "ItemsByOwnerIndex",
                      arn: items.indexArn(ITEMS_BY_OWNER_INDEX),
                      actions: access.ownerIndex,
                    },
                  ]
                : []),
            ],
          },
          environment: {
            [ENV.itemsTable]: items.table.name,
            [ENV.itemsByOwnerIndex]: ITEMS_BY_OWNER_INDEX,
            [ENV.notificationsQueueUrl]: queues.notifications.url,
            ...retryBackoff,
          },
        },
      ];
    }),
  );
  return {
    ...commandConsumers,
    notification: {
      access: {
        consumes: queues.notifications,
        tables: [
          table("RequestsTable", requests, ["dynamodb:GetItem", "dynamodb:PutItem"]),
          table("ConnectionsTable", connections, [
            "dynamodb:DeleteItem",
            "dynamodb:GetItem",
            "dynamodb:UpdateItem",
          ]),
        ],
        // POST pushes; DELETE closes the sockets whose token has expired.
        managesConnections: [websocket.connectionsArnFor("POST"), websocket.connectionsArnFor("DELETE")],
      },
      environment: {
        [ENV.requestsTable]: requests.table.name,
        [ENV.connectionsTable]: connections.table.name,
        [ENV.websocketCallbackUrl]: websocket.callbackUrl,
        ...retryBackoff,
      },
    },
    "ws-authorizer": {
      access: {},
      environment: {
        [ENV.userPoolId]: identity.userPool.id,
        [ENV.userPoolClientIds]: Fn.join(",", identity.clientIds()),
      },
    },
    "ws-connect": {
      access: {
        // At the cap, it reads the user's sockets and forgets those @connections says are gone (GET only).
        tables: [
          table("ConnectionsTable", connections, [
            "dynamodb:DeleteItem",
            "dynamodb:GetItem",
            "dynamodb:PutItem",
            "dynamodb:UpdateItem",
          ]),
        ],
        managesConnections: [websocket.connectionsArnFor("GET")],
      },
      environment: {
        [ENV.connectionsTable]: connections.table.name,
        [ENV.maxConnectionsPerUser]: String(config.websocket.maxConnectionsPerUser),
        [ENV.websocketCallbackUrl]: websocket.callbackUrl,
      },
    },
    "ws-disconnect": {
      access: {
        tables: [
          table("ConnectionsTable", connections, [
            "dynamodb:DeleteItem",
            "dynamodb:GetItem",
            "dynamodb:UpdateItem",
          ]),
        ],
      },
      environment: { [ENV.connectionsTable]: connections.table.name },
    },
    "ws-default": {
      access: {
        tables: [
          table("ConnectionsTable", connections, ["dynamodb:GetItem"]),
          table("RequestsTable", requests, ["dynamodb:GetItem"]),
        ],
        managesConnections: [websocket.connectionsArnFor("POST"), websocket.connectionsArnFor("DELETE")],
      },
      environment: {
        [ENV.connectionsTable]: connections.table.name,
        [ENV.requestsTable]: requests.table.name,
        [ENV.websocketCallbackUrl]: websocket.callbackUrl,
      },
    },
    "item-events": {
      access: {
        readsStream: items.table.streamArn,
        putsEventsOn: domainEvents.bus.arn,
        // Records it cannot publish go here, and Lambda's on-failure destination writes with this role too.
        sendsTo: [domainEvents.failureQueue.queue],
      },
      environment: {
        [PUBLISHER_ENV.eventBusName]: domainEvents.bus.name,
        [PUBLISHER_ENV.failureQueueUrl]: domainEvents.failureQueue.queue.url,
      },
    },
    importer: {
      access: {
        // Reads uploads, writes results, sends create commands: never another prefix, never another queue.
        objects: [
          // A versioned bucket's events name the version, and reading an object by version is GetObjectVersion.
          {
            name: "ImportFiles",
            arn: imports.bucket.objectsArn(IMPORTS_PREFIX),
            actions: ["s3:GetObject", "s3:GetObjectVersion"],
          },
          {
            name: "ImportResults",
            arn: imports.bucket.objectsArn(RESULTS_PREFIX),
            actions: ["s3:PutObject"],
          },
        ],
        sendsTo: [queues.create],
      },
      environment: {
        [IMPORTS_ENV.createQueueUrl]: queues.create.url,
        [IMPORTS_ENV.maxFileBytes]: String(config.imports.maxFileSizeMb * 1024 * 1024),
        [IMPORTS_ENV.maxRows]: String(config.imports.maxRowsPerFile),
      },
      sizing: {
        memoryMb: config.imports.importerMemoryMb,
        timeoutSeconds: config.imports.importerTimeoutSeconds,
      },
      // A few imports at once: each queues rows as fast as it reads them, into the queue POST /items uses too.
      reservedConcurrency: config.imports.concurrentImports,
    },
    "import-upload": {
      access: {
        // A presigned URL acts with the signer's permissions: these are what the URLs it hands out may do.
        objects: [
          { name: "UploadFiles", arn: imports.bucket.objectsArn(IMPORTS_PREFIX), actions: ["s3:PutObject"] },
          { name: "ReadResults", arn: imports.bucket.objectsArn(RESULTS_PREFIX), actions: ["s3:GetObject"] },
        ],
      },
      environment: {
        [IMPORTS_ENV.bucketName]: imports.bucket.bucketName,
        [IMPORTS_ENV.maxFileBytes]: String(config.imports.maxFileSizeMb * 1024 * 1024),
        [IMPORTS_ENV.uploadUrlExpirySeconds]: String(config.imports.uploadUrlExpirySeconds),
      },
    },
    ...jobSpecs({ config, storage, queues: serviceQueues, websocket, identity, domainEvents, jobs, restApi }),
  };
}

/** The scheduled jobs: each records its runs in the ledger, and each reaches only what its job touches. */
function jobSpecs({
  config,
  storage,
  queues,
  websocket,
  identity,
  domainEvents,
  jobs,
  restApi,
}: Omit<FunctionsProps, "bundles" | "foundation" | "imports">): Partial<Record<HandlerName, FunctionSpec>> {
  const ledger = {
    name: "JobRunsTable",
    arn: jobs.ledger.table.arn,
    actions: ["dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"],
  };
  // One run at a time is all a job needs (the ledger refuses a second for the same window).
  const common = {
    sizing: { memoryMb: config.lambda.memoryMb, timeoutSeconds: config.jobs.timeoutSeconds },
    reservedConcurrency: 1,
  };
  const ledgerEnvironment = { [JOBS_ENV.jobRunsTable]: jobs.ledger.table.name };
  const deadLetterQueues = [
    `commands=${queues.deadLetterQueueName}`,
    `item-events=${domainEvents.failureQueue.queueName}`,
    `jobs=${jobs.deadLetterQueue.queueName}`,
  ];
  return {
    "job-cleanup": {
      ...common,
      access: {
        tables: [
          ledger,
          {
            name: "ConnectionsTable",
            arn: storage.connections.table.arn,
            // Scan: every connection row, once a day; the rest is what forgetting a gone socket takes.
            actions: ["dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:Scan", "dynamodb:UpdateItem"],
          },
        ],
        managesConnections: [websocket.connectionsArnFor("GET")],
      },
      environment: {
        ...ledgerEnvironment,
        [ENV.connectionsTable]: storage.connections.table.name,
        [ENV.websocketCallbackUrl]: websocket.callbackUrl,
      },
    },
    "job-report": {
      ...common,
      access: {
        tables: [ledger],
        readsMetrics: true,
        publishesTo: jobs.reportTopic.arn,
        objects: [
          { name: "ReportObjects", arn: jobs.reports.objectsArn(REPORTS_PREFIX), actions: ["s3:PutObject"] },
        ],
      },
      environment: {
        ...ledgerEnvironment,
        [JOBS_ENV.reportsBucket]: jobs.reports.bucketName,
        [JOBS_ENV.environmentName]: config.name,
        [JOBS_ENV.reportTopicArn]: jobs.reportTopic.arn,
        [JOBS_ENV.deadLetterQueues]: deadLetterQueues.join(","),
      },
    },
    "job-canary": {
      ...common,
      access: { tables: [ledger], readsSecret: jobs.canarySecret?.arn },
      environment: {
        ...ledgerEnvironment,
        ...(jobs.canarySecret ? { [JOBS_ENV.canarySecretArn]: jobs.canarySecret.arn } : {}),
        [JOBS_ENV.restApiUrl]: restApi.stage.invokeUrl,
        [JOBS_ENV.websocketUrl]: websocket.stage.invokeUrl,
        [JOBS_ENV.tokenUrl]: `https://${identity.domain.domain}.auth.${config.region}.amazoncognito.com/oauth2/token`,
        [JOBS_ENV.canaryOutcomeTimeoutSeconds]: String(config.jobs.canary.outcomeTimeoutSeconds),
      },
    },
  };
}

/** The items-table and owner-index actions a queue's consumer needs: the union over the operations it carries. */
function itemsAccessOf(queue: (typeof COMMAND_QUEUES)[number]): { table: string[]; ownerIndex: string[] } {
  const specs = operationsOn(queue).map((operation): OperationSpec => OPERATION_CATALOGUE[operation]);
  return {
    table: [...new Set(specs.flatMap((spec) => spec.itemsTableActions))],
    ownerIndex: [...new Set(specs.flatMap((spec) => spec.ownerIndexActions ?? []))],
  };
}
