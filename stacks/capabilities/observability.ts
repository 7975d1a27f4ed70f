import type { Construct } from "constructs";
import type { EnvironmentConfig } from "../../environments/environment-config.ts";
import { COMMAND_QUEUES, consumerOf } from "../../handlers/catalogue.ts";
import type { BundledFunction } from "../constructs/bundled-function.ts";
import type { RestApi } from "../constructs/rest-api.ts";
import { ServiceAlarms } from "../constructs/service-alarms.ts";
import { ServiceDashboard } from "../constructs/service-dashboard.ts";
import type { ServiceQueues } from "../constructs/service-queues.ts";
import { METRICS_NAMESPACE, QUEUE_NAMES, type QueueName } from "../names.ts";

/** The metrics each SQS consumer emits (Powertools, dimension `service`) for records it fails or cannot answer. */
const RECORD_FAILURE_METRICS: Readonly<Record<string, readonly string[]>> = {
  ...Object.fromEntries(
    COMMAND_QUEUES.map((queue) => [
      consumerOf(queue),
      ["RecordFailed", "CommandUnanswerable", "CommandRefused"],
    ]),
  ),
  notification: ["RecordFailed", "NotificationUnanswerable"],
  "item-events": ["RecordFailed"],
};

import type { Storage } from "./storage.ts";

export interface Watched {
  readonly queues: ServiceQueues<QueueName>;
  readonly functions: Readonly<Record<string, BundledFunction>>;
  readonly storage: Storage;
  readonly restApi: RestApi;
}

/**
 * Step 8: alarms on the DLQ, queue age, every function, table throttling and the REST stage, and one
 * dashboard. Every name comes from the construct that chose it, so a naming change cannot leave an alarm
 * watching a resource that does not exist.
 */
export function addObservability(
  scope: Construct,
  config: EnvironmentConfig,
  keyArn: string,
  watched: Watched,
): ServiceAlarms {
  const { queues, functions, storage, restApi } = watched;
  const alarms = new ServiceAlarms(scope, "alarms", {
    namePrefix: config.namePrefix,
    kmsKeyArn: keyArn,
    email: config.alarmEmail,
  });
  alarms.watchDeadLetterQueue("dlq-not-empty", queues.deadLetterQueueName);
  for (const queueName of QUEUE_NAMES) {
    alarms.watchQueueAge(
      `${queueName}-age`,
      queues.queueNames[queueName],
      config.queues.oldestMessageAlarmSeconds,
    );
  }
  for (const [name, fn] of Object.entries(functions)) alarms.watchFunction(name, fn.functionName);
  for (const [service, metrics] of Object.entries(RECORD_FAILURE_METRICS))
    alarms.watchRecordFailures(`${service}-records`, METRICS_NAMESPACE, service, metrics);
  const tableNames = Object.values(storage).map((table) => table.tableName);
  for (const tableName of tableNames) alarms.watchTable(`${tableName}-throttles`, tableName);
  alarms.watchRestApi("rest-api", restApi.apiName, restApi.stageName, config.restApi.latencyAlarmP99Ms);

  new ServiceDashboard(scope, "dashboard", {
    dashboardName: config.namePrefix,
    region: config.region,
    queueNames: QUEUE_NAMES.map((name) => queues.queueNames[name]),
    deadLetterQueueName: queues.deadLetterQueueName,
    functionNames: Object.values(functions).map((fn) => fn.functionName),
    tableNames,
  });
  return alarms;
}
