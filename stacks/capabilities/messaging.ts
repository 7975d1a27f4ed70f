import type { Construct } from "constructs";
import type { EnvironmentConfig } from "../../environments/environment-config.ts";
import { ServiceQueues } from "../constructs/service-queues.ts";
import { QUEUE_NAMES, type QueueName } from "../names.ts";

/** Step 3: the command and notification queues and their shared dead-letter queue. */
export function addMessaging(
  scope: Construct,
  config: EnvironmentConfig,
  keyArn: string,
): ServiceQueues<QueueName> {
  return new ServiceQueues(scope, "queues", {
    namePrefix: config.namePrefix,
    queueNames: QUEUE_NAMES,
    kmsKeyArn: keyArn,
    visibilityTimeoutSeconds: config.queues.visibilityTimeoutSeconds,
    messageRetentionSeconds: config.queues.messageRetentionSeconds,
    maxReceiveCount: config.queues.maxReceiveCount,
  });
}
