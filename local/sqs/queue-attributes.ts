import { createHash } from "node:crypto";
import type { QueueModel } from "../../synthesized/service-model.ts";
import { parseReference, type StackJson } from "../../synthesized/stack-json.ts";
import { unresolvedValue } from "../emulations.ts";
import type { QueueSpec, SqsBroker } from "./broker.ts";
import { SqsError } from "./errors.ts";

/** The account id local queue URLs and ARNs carry; any value works, SQS URLs just need one. */
export const LOCAL_ACCOUNT_ID = "000000000000";

export function localQueueArn(region: string, queueName: string): string {
  return `arn:aws:sqs:${region}:${LOCAL_ACCOUNT_ID}:${queueName}`;
}

/** A key id derived from the key's Terraform address: the same on every start, visibly local by its account. */
function localKeyArn(region: string, address: string): string {
  const hex = createHash("sha256").update(address).digest("hex");
  const keyId = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
  return `arn:aws:kms:${region}:${LOCAL_ACCOUNT_ID}:key/${keyId}`;
}

/**
 * The stack's queues as the runner serves them: local ARNs, and the attributes that name other resources (the KMS
 * key, the queues a redrive-allow policy lists, a policy's resource) with those names resolved to local ARNs.
 */
export function localQueueSpecs(
  stack: StackJson,
  region: string,
  queues: readonly QueueModel[],
): QueueSpec[] {
  const resolve = (text: string | undefined) =>
    text?.replace(/\$\{([^}]+)\}/g, (_, expression: string) => {
      const reference = parseReference(`\${${expression}}`);
      const queue = reference && stack.resource.aws_sqs_queue?.[reference.id];
      if (reference?.type === "aws_sqs_queue" && reference.attribute === "arn" && queue)
        return localQueueArn(region, String(queue.name));
      if (reference?.type === "aws_kms_key" && reference.attribute === "arn")
        return localKeyArn(region, `aws_kms_key.${reference.id}`);
      return unresolvedValue(expression);
    });
  return queues.map((queue) => ({
    ...queue,
    arn: localQueueArn(region, queue.name),
    kmsMasterKeyId: resolve(queue.kmsMasterKeyId),
    redriveAllowPolicy: resolve(queue.redriveAllowPolicy),
    policy: resolve(queue.policy),
  }));
}

/** Every name `GetQueueAttributes` accepts (FIFO ones included: a standard queue just has no value for them). */
const QUEUE_ATTRIBUTE_NAMES = new Set([
  "All",
  "Policy",
  "VisibilityTimeout",
  "MaximumMessageSize",
  "MessageRetentionPeriod",
  "ApproximateNumberOfMessages",
  "ApproximateNumberOfMessagesNotVisible",
  "CreatedTimestamp",
  "LastModifiedTimestamp",
  "QueueArn",
  "ApproximateNumberOfMessagesDelayed",
  "DelaySeconds",
  "ReceiveMessageWaitTimeSeconds",
  "RedrivePolicy",
  "FifoQueue",
  "ContentBasedDeduplication",
  "KmsMasterKeyId",
  "KmsDataKeyReusePeriodSeconds",
  "DeduplicationScope",
  "FifoThroughputLimit",
  "RedriveAllowPolicy",
  "SqsManagedSseEnabled",
]);

/** `GetQueueAttributes`: the named attributes (`All` for every one) of a queue, as SQS reports them. */
export function queueAttributes(
  broker: SqsBroker,
  queueName: string,
  names: readonly string[],
): Record<string, string> {
  const unknown = names.find((name) => !QUEUE_ATTRIBUTE_NAMES.has(name));
  if (unknown !== undefined) throw new SqsError("InvalidAttributeName", `Unknown Attribute ${unknown}.`);
  const spec = broker.spec(queueName);
  const counts = broker.counts(queueName);
  const created = String(Math.floor(broker.createdTimestamp / 1000));
  const redrive = spec.redrive;
  const values: Record<string, string | number | boolean | undefined> = {
    QueueArn: spec.arn,
    ApproximateNumberOfMessages: counts.visible,
    ApproximateNumberOfMessagesNotVisible: counts.inFlight,
    ApproximateNumberOfMessagesDelayed: counts.delayed,
    CreatedTimestamp: created,
    LastModifiedTimestamp: created,
    VisibilityTimeout: spec.visibilityTimeoutSeconds,
    MaximumMessageSize: spec.maximumMessageSize ?? 262_144,
    MessageRetentionPeriod: spec.messageRetentionSeconds ?? 345_600,
    DelaySeconds: spec.delaySeconds ?? 0,
    ReceiveMessageWaitTimeSeconds: spec.receiveWaitTimeSeconds ?? 0,
    Policy: spec.policy,
    RedrivePolicy: redrive
      ? JSON.stringify({
          deadLetterTargetArn: broker.spec(redrive.deadLetterQueue).arn,
          maxReceiveCount: redrive.maxReceiveCount,
        })
      : undefined,
    RedriveAllowPolicy: spec.redriveAllowPolicy,
    KmsMasterKeyId: spec.kmsMasterKeyId,
    KmsDataKeyReusePeriodSeconds: spec.kmsDataKeyReusePeriodSeconds,
    SqsManagedSseEnabled: spec.sqsManagedSseEnabled ?? !spec.kmsMasterKeyId,
  };
  const all = names.includes("All");
  return Object.fromEntries(
    Object.entries(values)
      .filter(([name, value]) => value !== undefined && (all || names.includes(name)))
      .map(([name, value]) => [name, String(value)]),
  );
}
