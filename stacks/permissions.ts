import type { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { allow, type KeyService, type PolicyStatement, type ServiceKey, useKeyVia } from "./iam.ts";

const TABLE_WRITE_ACTIONS = new Set(["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"]);

/** What one function touches; `functionPermissions` turns it into exact statements. */
export interface FunctionAccess {
  /** The queue its event source mapping reads. */
  readonly consumes?: SqsQueue;
  /** Queues it sends to. */
  readonly sendsTo?: readonly SqsQueue[];
  /** DynamoDB actions per table or index ARN; `name` becomes the statement id (e.g. `ItemsTable`). */
  readonly tables?: ReadonlyArray<{
    readonly name: string;
    readonly arn: string;
    readonly actions: readonly string[];
  }>;
  /** `execute-api:ManageConnections` ARN patterns of a WebSocket stage, one per HTTP method it uses. */
  readonly managesConnections?: readonly string[];
  /** ARN of the DynamoDB stream its event source mapping reads. */
  readonly readsStream?: string;
  /** ARN of the event bus it puts events on. */
  readonly putsEventsOn?: string;
  /** ARN of a Secrets Manager secret (encrypted with the key) it reads. */
  readonly readsSecret?: string;
  /** ARN of an SNS topic (encrypted with the key) it publishes to. */
  readonly publishesTo?: string;
  /** Whether it reads CloudWatch metrics (GetMetricData has no resource-level permissions). */
  readonly readsMetrics?: boolean;
  /**
   * S3 object actions on an ARN pattern (`<bucket ARN>/<prefix>*`) in a bucket encrypted with the key; `name`
   * becomes the statement id.
   */
  readonly objects?: ReadonlyArray<{
    readonly name: string;
    readonly arn: string;
    readonly actions: ReadonlyArray<"s3:GetObject" | "s3:GetObjectVersion" | "s3:PutObject">;
  }>;
}

/**
 * Least-privilege statements for one function: exact actions on exact ARNs, and only the key
 * operations its queues and tables need (as AWS CDK's grants derive them): decrypting what it reads,
 * generating data keys for what it sends or writes.
 */
export function functionPermissions(access: FunctionAccess, key: ServiceKey): PolicyStatement[] {
  const statements: PolicyStatement[] = [];
  const keyActions = new Set<string>();
  const keyServices: KeyService[] = [];
  if (access.consumes) {
    statements.push(
      allow(
        "ConsumeQueue",
        // ChangeMessageVisibility: a failed record waits out a backoff instead of the whole visibility timeout.
        ["sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ReceiveMessage"],
        [access.consumes.arn],
      ),
    );
    keyActions.add("kms:Decrypt");
    keyServices.push("sqs");
  }
  if (access.sendsTo && access.sendsTo.length > 0) {
    statements.push(
      allow(
        "SendToQueues",
        ["sqs:SendMessage"],
        access.sendsTo.map((queue) => queue.arn),
      ),
    );
    keyActions.add("kms:Decrypt").add("kms:GenerateDataKey");
    keyServices.push("sqs");
  }
  for (const table of access.tables ?? []) {
    statements.push(allow(`Use${table.name}`, table.actions, [table.arn]));
    keyActions.add("kms:Decrypt");
    keyServices.push("dynamodb");
    if (table.actions.some((action) => TABLE_WRITE_ACTIONS.has(action))) {
      keyActions.add("kms:Encrypt").add("kms:GenerateDataKey");
    }
  }
  if (access.readsStream) {
    statements.push(
      allow(
        "ReadStream",
        ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"],
        [access.readsStream],
      ),
      // Lambda checks for it when the mapping is created; IAM has no resource to scope it to (it lists stream ARNs).
      allow("ListStreams", ["dynamodb:ListStreams"], ["*"]),
    );
    // Stream records are encrypted with the table's key and decrypted through DynamoDB (as AWS CDK grants it).
    keyActions.add("kms:Decrypt");
    if (!keyServices.includes("dynamodb")) keyServices.push("dynamodb");
  }
  for (const objects of access.objects ?? []) {
    statements.push(allow(`Use${objects.name}`, objects.actions, [objects.arn]));
    if (!keyServices.includes("s3")) keyServices.push("s3");
    // SSE-KMS: S3 decrypts for a reader, and asks KMS for a data key (the bucket key's) on a writer's behalf.
    if (objects.actions.some((action) => action.startsWith("s3:GetObject"))) keyActions.add("kms:Decrypt");
    if (objects.actions.includes("s3:PutObject")) keyActions.add("kms:GenerateDataKey");
  }
  if (access.putsEventsOn) {
    statements.push(allow("PutEvents", ["events:PutEvents"], [access.putsEventsOn]));
  }
  if (access.readsSecret) {
    statements.push(allow("ReadSecret", ["secretsmanager:GetSecretValue"], [access.readsSecret]));
    keyActions.add("kms:Decrypt");
    keyServices.push("secretsmanager");
  }
  if (access.publishesTo) {
    statements.push(allow("PublishToTopic", ["sns:Publish"], [access.publishesTo]));
    keyActions.add("kms:Decrypt").add("kms:GenerateDataKey");
    keyServices.push("sns");
  }
  if (access.readsMetrics) statements.push(allow("ReadMetrics", ["cloudwatch:GetMetricData"], ["*"]));
  if (access.managesConnections) {
    statements.push(
      allow("UseConnections", ["execute-api:ManageConnections"], [...access.managesConnections]),
    );
  }
  if (keyActions.size > 0) statements.push(useKeyVia(key, [...keyActions], keyServices));
  return statements;
}
