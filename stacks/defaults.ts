import { type PolicyStatement, policyDocument } from "./iam.ts";

/**
 * Secure defaults shared by every construct. A construct that departs from one does so in its own
 * props, visibly, never by editing a copy of these values.
 */
export const LAMBDA_DEFAULTS = {
  runtime: "nodejs22.x",
  architecture: "arm64",
  handler: "index.handler",
  tracingMode: "Active",
  logFormat: "JSON",
  applicationLogLevel: "INFO",
  systemLogLevel: "WARN",
} as const;

/**
 * The alias every invoker names (event source mappings, API integrations, Lambda permissions). It always
 * exists, whether or not it has provisioned concurrency, so turning warm capacity on or off never moves a
 * mapping or replaces a permission.
 */
export const FUNCTION_ALIAS = "live";

/** Unix mode of every file in a function zip, so the archive hash does not depend on the checkout's umask. */
export const ARCHIVE_FILE_MODE = "0644";

/** How long SQS reuses a data key before calling KMS again (the maximum; fewer KMS calls, same protection). */
export const SQS_DATA_KEY_REUSE_SECONDS = 86400;

/** X-Ray has no resource-level permissions, so these are the only actions allowed on `*`. */
export const XRAY_WRITE_ACTIONS = ["xray:PutTelemetryRecords", "xray:PutTraceSegments"] as const;

export const ALARM_PERIOD_SECONDS = 300;

/** Access-log fields every API stage writes; each API adds its own (`$context` variables). */
export const ACCESS_LOG_BASE_FIELDS = {
  requestId: "$context.requestId",
  extendedRequestId: "$context.extendedRequestId",
  sourceIp: "$context.identity.sourceIp",
  requestTime: "$context.requestTimeEpoch",
  status: "$context.status",
  integrationLatency: "$context.integrationLatency",
} as const;

/** Denies any request to the queue that does not use TLS (cdk-nag AwsSolutions-SQS4). */
export function denyInsecureTransport(queueArn: string): PolicyStatement {
  return {
    Sid: "DenyInsecureTransport",
    Effect: "Deny",
    Principal: "*",
    Action: "sqs:*",
    Resource: queueArn,
    Condition: { Bool: { "aws:SecureTransport": "false" } },
  };
}

/**
 * Denies any request to the bucket or its objects that does not use TLS (cdk-nag AwsSolutions-S10). It names
 * both the bucket and its objects: a statement on the bucket's ARN alone would leave object reads over HTTP open.
 */
export function denyInsecureBucketTransport(bucketArn: string): PolicyStatement {
  return {
    Sid: "DenyInsecureTransport",
    Effect: "Deny",
    Principal: "*",
    Action: "s3:*",
    Resource: [bucketArn, `${bucketArn}/*`],
    Condition: { Bool: { "aws:SecureTransport": "false" } },
  };
}

/** A queue policy that only refuses plain HTTP. */
export function httpsOnlyQueuePolicy(queueArn: string): string {
  return policyDocument([denyInsecureTransport(queueArn)]);
}

/**
 * EventBridge's retry policy, stated rather than left implicit: a day and 185 attempts, so an endpoint's outage of
 * hours loses nothing before the dead-letter queue. Webhooks choose their own in the environment config.
 */
export const EVENT_TARGET_RETRY = { maximumRetryAttempts: 185, maximumEventAgeSeconds: 86400 } as const;

/** The stream consumer is falling behind when its oldest unprocessed record waited this long. */
export const STREAM_ITERATOR_AGE_ALARM_MS = 5 * 60 * 1000;

/**
 * What a webhook connection holds until an operator sets the real credential with `aws events update-connection`
 * (README, "Adding a webhook"). Terraform never learns the secret: it lives only in the Secrets Manager secret
 * EventBridge keeps for the connection, and Terraform ignores the connection's credentials from then on.
 */
export const CREDENTIAL_PLACEHOLDER = "set-with-aws-events-update-connection";
