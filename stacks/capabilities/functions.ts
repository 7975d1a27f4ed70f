import type { Construct } from "constructs";
import type { EnvironmentConfig } from "../../environments/environment-config.ts";
import {
  COMMAND_QUEUES,
  consumerOf,
  HANDLER_NAMES,
  type HandlerName,
  OPERATION_CATALOGUE,
  operationsOn,
} from "../../handlers/catalogue.ts";
import { ENV, PUBLISHER_ENV } from "../../handlers/lib/environment.ts";
import { BundledFunction } from "../constructs/bundled-function.ts";
import type { DomainEvents } from "../constructs/domain-events.ts";
import { QueueSubscription } from "../constructs/queue-subscription.ts";
import type { ServiceQueues } from "../constructs/service-queues.ts";
import type { WebSocketApi } from "../constructs/websocket-api.ts";
import { CONNECTIONS_BY_REQUEST_INDEX, METRICS_NAMESPACE, QUEUE_NAMES, type QueueName } from "../names.ts";
import { type FunctionAccess, functionPermissions } from "../permissions.ts";
import type { Foundation } from "./foundation.ts";
import type { Storage } from "./storage.ts";

/** What one function may touch and the variables it reads. */
interface FunctionSpec {
  readonly access: FunctionAccess;
  readonly environment: Readonly<Record<string, string>>;
}

export interface FunctionsProps {
  readonly config: EnvironmentConfig;
  /** Bundle folder of every handler, from `bundleHandlers`. */
  readonly bundles: Readonly<Record<HandlerName, string>>;
  readonly foundation: Foundation;
  readonly storage: Storage;
  readonly queues: ServiceQueues<QueueName>;
  readonly websocket: WebSocketApi;
  readonly domainEvents: DomainEvents;
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
      permissions: functionPermissions(spec.access, foundation.keyArn),
      kmsKeyArn: foundation.keyArn,
      logRetentionDays: config.logRetentionDays,
      memoryMb: config.lambda.memoryMb,
      timeoutSeconds: config.lambda.timeoutSeconds,
      reservedConcurrency: config.lambda.reservedConcurrency,
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
      function: functions[consumers[queueName]].function,
      batchSize: config.eventSource.batchSize,
      maxBatchingWindowSeconds: config.eventSource.maxBatchingWindowSeconds,
      maxConcurrency: config.eventSource.maxConcurrency,
    });
  }
  return functions;
}

function functionSpecs({
  storage,
  queues: serviceQueues,
  websocket,
  domainEvents,
}: FunctionsProps): Partial<Record<HandlerName, FunctionSpec>> {
  const queues = serviceQueues.queues;
  const { items, connections, requests } = storage;
  const table = (name: string, target: { table: { arn: string } }, actions: string[]) => ({
    name,
    arn: target.table.arn,
    actions,
  });
  const commandConsumers = Object.fromEntries(
    COMMAND_QUEUES.map((queue): [HandlerName, FunctionSpec] => [
      consumerOf(queue),
      {
        access: {
          consumes: queues[queue],
          sendsTo: [queues.notifications],
          tables: [table("ItemsTable", items, itemsTableActionsOf(queue))],
        },
        environment: {
          [ENV.itemsTable]: items.table.name,
          [ENV.notificationsQueueUrl]: queues.notifications.url,
        },
      },
    ]),
  );
  return {
    ...commandConsumers,
    notification: {
      access: {
        consumes: queues.notifications,
        tables: [
          table("RequestsTable", requests, ["dynamodb:GetItem", "dynamodb:PutItem"]),
          {
            name: "ConnectionsByRequestIndex",
            arn: connections.indexArn(CONNECTIONS_BY_REQUEST_INDEX),
            actions: ["dynamodb:Query"],
          },
          table("ConnectionsTable", connections, ["dynamodb:DeleteItem"]),
        ],
        managesConnections: websocket.connectionsArn,
      },
      environment: {
        [ENV.requestsTable]: requests.table.name,
        [ENV.connectionsTable]: connections.table.name,
        [ENV.connectionsByRequestIndex]: CONNECTIONS_BY_REQUEST_INDEX,
        [ENV.websocketCallbackUrl]: websocket.callbackUrl,
      },
    },
    "ws-connect": {
      access: { tables: [table("ConnectionsTable", connections, ["dynamodb:PutItem"])] },
      environment: { [ENV.connectionsTable]: connections.table.name },
    },
    "ws-disconnect": {
      access: { tables: [table("ConnectionsTable", connections, ["dynamodb:DeleteItem"])] },
      environment: { [ENV.connectionsTable]: connections.table.name },
    },
    "ws-default": {
      access: {
        tables: [
          table("ConnectionsTable", connections, ["dynamodb:GetItem"]),
          table("RequestsTable", requests, ["dynamodb:GetItem"]),
        ],
        managesConnections: websocket.connectionsArn,
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
  };
}

/** The items-table actions a queue's consumer needs: the union over the operations it carries. */
function itemsTableActionsOf(queue: (typeof COMMAND_QUEUES)[number]): string[] {
  return [
    ...new Set(operationsOn(queue).flatMap((operation) => OPERATION_CATALOGUE[operation].itemsTableActions)),
  ];
}
