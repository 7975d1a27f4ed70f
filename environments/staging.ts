import type { EnvironmentConfig } from "./environment-config.ts";

export const staging: EnvironmentConfig = {
  name: "staging",
  tier: "non-production",
  accountId: "222222222222",
  region: "eu-west-1",
  namePrefix: "crud-staging",
  tags: { Project: "event-crud", Environment: "staging", ManagedBy: "cdktf" },
  logRetentionDays: 30,
  deletionProtection: true,
  pointInTimeRecovery: true,
  kmsDeletionWindowDays: 14,
  alarmEmail: "crud-alerts-staging@example.com",
  lambda: {
    memoryMb: 1024,
    timeoutSeconds: 10,
    reservedConcurrency: 20,
    // One warm environment where prod has them, so staging deploys and plans what prod does
    // (README, "Warm capacity").
    provisionedConcurrency: { notification: 1 },
  },
  queues: {
    visibilityTimeoutSeconds: 65,
    // Five retries over at least ten minutes: a DynamoDB, SQS or KMS brown-out does not empty into the DLQ.
    maxReceiveCount: 6,
    retryBackoff: { baseSeconds: 40, maxSeconds: 600 },
    messageRetentionSeconds: 345600,
    oldestMessageAlarmSeconds: 300,
  },
  eventSource: { batchSize: 10, maxBatchingWindowSeconds: 1, maxConcurrency: 10 },
  websocket: { throttlingBurstLimit: 500, throttlingRateLimit: 200, maxConnectionsPerUser: 10 },
  restApi: {
    throttlingBurstLimit: 500,
    throttlingRateLimit: 200,
    corsAllowedOrigins: ["https://staging.crud.example.com"],
    waf: { requestsPerFiveMinutesPerIp: 2000 },
    latencyAlarmP99Ms: 1000,
  },
  identity: {
    selfSignUp: false,
    mfa: "OPTIONAL",
    deletionProtection: true,
    hostedUiDomainPrefix: "crud-staging-222222222222",
    passwordMinimumLength: 12,
    tokenValidityMinutes: 60,
    webClient: {
      callbackUrls: ["https://staging.crud.example.com/"],
      logoutUrls: ["https://staging.crud.example.com/"],
    },
    machineClient: { scopes: ["items/read", "items/write"] },
  },
  events: {
    archiveRetentionDays: 30,
    stream: {
      batchSize: 100,
      maxBatchingWindowSeconds: 1,
      maxRetryAttempts: 10000,
      maxRecordAgeSeconds: 86400,
    },
    webhooks: [
      {
        name: "search-index",
        endpoint: "https://search-index.staging.crud.example.com/hooks/item-events",
        eventPattern: { "detail-type": [{ prefix: "item." }] },
        invocationRateLimitPerSecond: 50,
        retry: { maximumRetryAttempts: 185, maximumEventAgeSeconds: 86400 },
        authorization: { type: "API_KEY", headerName: "x-api-key" },
      },
      {
        // The partner's audit trail wants deletions and renames only.
        name: "partner-audit",
        endpoint: "https://audit.partner.example.com/v1/crud-staging/events",
        eventPattern: {
          $or: [
            { "detail-type": ["item.deleted"] },
            { "detail-type": ["item.updated"], detail: { changes: { name: { after: [{ exists: true }] } } } },
          ],
        },
        invocationRateLimitPerSecond: 5,
        retry: { maximumRetryAttempts: 185, maximumEventAgeSeconds: 86400 },
        authorization: { type: "BASIC", username: "crud-staging" },
      },
    ],
  },
  site: { priceClass: "PriceClass_100" },
  jobs: {
    cleanup: { expression: "cron(0 3 * * ? *)", timeZone: "Europe/London", enabled: true },
    report: { expression: "cron(0 6 ? * MON *)", timeZone: "Europe/London", enabled: true },
    canary: { expression: "rate(5 minutes)", timeZone: "UTC", enabled: true, outcomeTimeoutSeconds: 15 },
    retry: { maximumRetryAttempts: 3, maximumEventAgeSeconds: 3600 },
    timeoutSeconds: 60,
    reportRetentionDays: 90,
  },
  imports: {
    fileRetentionDays: 7,
    resultRetentionDays: 14,
    maxFileSizeMb: 100,
    uploadUrlExpirySeconds: 900,
    importerMemoryMb: 1024,
    importerTimeoutSeconds: 900,
    concurrentImports: 2,
    maxRowsPerFile: 1_000_000,
  },
  // Each environment has its own account, so each stack owns its account's API Gateway settings.
  ownsApiGatewayAccountSettings: true,
  backend: {
    type: "s3",
    bucket: "event-crud-tfstate-222222222222",
    key: "staging/event-crud.tfstate",
    region: "eu-west-1",
  },
};
