import type { EnvironmentConfig } from "./environment-config.ts";

export const dev: EnvironmentConfig = {
  name: "dev",
  tier: "non-production",
  accountId: "111111111111",
  region: "eu-west-1",
  namePrefix: "crud-dev",
  tags: { Project: "event-crud", Environment: "dev", ManagedBy: "cdktf" },
  logRetentionDays: 14,
  // Dev tables are disposable: a destroy must not need a manual unprotect step.
  deletionProtection: false,
  pointInTimeRecovery: true,
  kmsDeletionWindowDays: 7,
  lambda: { memoryMb: 512, timeoutSeconds: 10 },
  queues: {
    visibilityTimeoutSeconds: 65,
    // Five retries over at least ten minutes: a DynamoDB, SQS or KMS brown-out does not empty into the DLQ.
    maxReceiveCount: 6,
    retryBackoff: { baseSeconds: 40, maxSeconds: 600 },
    messageRetentionSeconds: 345600,
    oldestMessageAlarmSeconds: 300,
  },
  // No batching window: dev favours latency (the local runner serves it), staging and prod throughput.
  eventSource: { batchSize: 10, maxBatchingWindowSeconds: 0, maxConcurrency: 5 },
  websocket: { throttlingBurstLimit: 100, throttlingRateLimit: 50, maxConnectionsPerUser: 5 },
  restApi: {
    throttlingBurstLimit: 100,
    throttlingRateLimit: 50,
    corsAllowedOrigins: ["http://127.0.0.1:3000", "http://localhost:3000"],
    latencyAlarmP99Ms: 2000,
  },
  identity: {
    // Dev users sign themselves up; the web client runs on this machine (npm run local) during development.
    selfSignUp: true,
    mfa: "OPTIONAL",
    deletionProtection: false,
    hostedUiDomainPrefix: "crud-dev-111111111111",
    passwordMinimumLength: 12,
    tokenValidityMinutes: 60,
    webClient: {
      callbackUrls: ["http://127.0.0.1:3000/", "http://localhost:3000/"],
      logoutUrls: ["http://127.0.0.1:3000/", "http://localhost:3000/"],
    },
    machineClient: { scopes: ["items/read", "items/write"] },
  },
  events: {
    archiveRetentionDays: 7,
    // Small batches and few retries: dev favours seeing a failure within a minute over throughput.
    stream: { batchSize: 10, maxBatchingWindowSeconds: 0, maxRetryAttempts: 100, maxRecordAgeSeconds: 86400 },
    webhooks: [
      {
        name: "search-index",
        endpoint: "https://search-index.dev.crud.example.com/hooks/item-events",
        eventPattern: { "detail-type": [{ prefix: "item." }] },
        invocationRateLimitPerSecond: 10,
        retry: { maximumRetryAttempts: 2, maximumEventAgeSeconds: 3600 },
        authorization: { type: "API_KEY", headerName: "x-api-key" },
      },
    ],
  },
  // The CloudFront name: dev needs no domain of its own.
  site: { priceClass: "PriceClass_100" },
  jobs: {
    cleanup: { expression: "cron(0 3 * * ? *)", timeZone: "Europe/London", enabled: true },
    report: { expression: "cron(0 6 ? * MON *)", timeZone: "Europe/London", enabled: true },
    // Off by default: nobody watches dev around the clock; run it with npm run local -- run-job canary.
    canary: { expression: "rate(5 minutes)", timeZone: "UTC", enabled: false, outcomeTimeoutSeconds: 15 },
    retry: { maximumRetryAttempts: 2, maximumEventAgeSeconds: 3600 },
    timeoutSeconds: 60,
    reportRetentionDays: 30,
  },
  imports: {
    fileRetentionDays: 3,
    resultRetentionDays: 7,
    maxFileSizeMb: 100,
    uploadUrlExpirySeconds: 300,
    importerMemoryMb: 1024,
    importerTimeoutSeconds: 900,
    concurrentImports: 2,
    maxRowsPerFile: 100_000,
  },
  // Each environment has its own account, so each stack owns its account's API Gateway settings.
  ownsApiGatewayAccountSettings: true,
  backend: { type: "local" },
};
