/** Names of the variables the stack sets on functions; the one list both sides use. */
export const ENV = {
  itemsTable: "ITEMS_TABLE_NAME",
  requestsTable: "REQUESTS_TABLE_NAME",
  connectionsTable: "CONNECTIONS_TABLE_NAME",
  itemsByOwnerIndex: "ITEMS_BY_OWNER_INDEX",
  maxConnectionsPerUser: "MAX_CONNECTIONS_PER_USER",
  userPoolId: "USER_POOL_ID",
  userPoolClientIds: "USER_POOL_CLIENT_IDS",
  notificationsQueueUrl: "NOTIFICATIONS_QUEUE_URL",
  retryBackoffBaseSeconds: "RETRY_BACKOFF_BASE_SECONDS",
  retryBackoffMaxSeconds: "RETRY_BACKOFF_MAX_SECONDS",
  websocketCallbackUrl: "WEBSOCKET_CALLBACK_URL",
} as const;

/**
 * The domain-event publisher's variables. Apart from ENV on purpose: bundling never drops an object's unused fields,
 * so a field added to ENV would change every function's bundle and put them all in the next plan.
 */
export const PUBLISHER_ENV = {
  eventBusName: "EVENT_BUS_NAME",
  failureQueueUrl: "ITEM_EVENTS_FAILURE_QUEUE_URL",
} as const;

/** The scheduled jobs' variables, apart from ENV for the same reason as PUBLISHER_ENV. */
export const JOBS_ENV = {
  jobRunsTable: "JOB_RUNS_TABLE_NAME",
  environmentName: "ENVIRONMENT_NAME",
  reportsBucket: "REPORTS_BUCKET_NAME",
  reportTopicArn: "REPORT_TOPIC_ARN",
  /** `name=queue` pairs, comma-separated: every dead-letter queue the report counts arrivals in. */
  deadLetterQueues: "DEAD_LETTER_QUEUES",
  canarySecretArn: "CANARY_SECRET_ARN",
  restApiUrl: "REST_API_URL",
  websocketUrl: "WEBSOCKET_URL",
  tokenUrl: "TOKEN_URL",
  canaryOutcomeTimeoutSeconds: "CANARY_OUTCOME_TIMEOUT_SECONDS",
} as const;

/** The bulk import's variables (the importer and the upload URL function), apart from ENV for the same reason. */
export const IMPORTS_ENV = {
  bucketName: "IMPORTS_BUCKET_NAME",
  createQueueUrl: "CREATE_QUEUE_URL",
  maxFileBytes: "IMPORT_MAX_FILE_BYTES",
  maxRows: "IMPORT_MAX_ROWS",
  uploadUrlExpirySeconds: "UPLOAD_URL_EXPIRY_SECONDS",
} as const;

export type EnvName =
  | (typeof ENV)[keyof typeof ENV]
  | (typeof PUBLISHER_ENV)[keyof typeof PUBLISHER_ENV]
  | (typeof JOBS_ENV)[keyof typeof JOBS_ENV]
  | (typeof IMPORTS_ENV)[keyof typeof IMPORTS_ENV];

/** Reads a variable the function cannot work without; a missing one is a deployment bug, so fail loudly. */
export function requireEnv(name: EnvName): string {
  const value = process.env[name];
  if (value === undefined || value === "") {
    throw new Error(`Environment variable ${name} is not set; the function's configuration is incomplete`);
  }
  return value;
}
