import type { EnvironmentConfig } from "./environment-config.ts";

export const prod: EnvironmentConfig = {
  name: "prod",
  tier: "production",
  accountId: "333333333333",
  region: "eu-west-1",
  namePrefix: "crud-prod",
  tags: { Project: "event-crud", Environment: "prod", ManagedBy: "cdktf" },
  logRetentionDays: 365,
  deletionProtection: true,
  pointInTimeRecovery: true,
  kmsDeletionWindowDays: 30,
  alarmEmail: "crud-alerts@example.com",
  lambda: {
    memoryMb: 1024,
    timeoutSeconds: 10,
    reservedConcurrency: 100,
    // The two functions a client waits on: the WebSocket handshake and the push of its outcome
    // (README, "Warm capacity").
    provisionedConcurrency: { "ws-connect": 2, notification: 2 },
  },
  queues: {
    visibilityTimeoutSeconds: 65,
    // Five retries over at least ten minutes: a DynamoDB, SQS or KMS brown-out does not empty into the DLQ.
    maxReceiveCount: 6,
    retryBackoff: { baseSeconds: 40, maxSeconds: 600 },
    messageRetentionSeconds: 604800,
    oldestMessageAlarmSeconds: 120,
  },
  eventSource: { batchSize: 10, maxBatchingWindowSeconds: 1, maxConcurrency: 50 },
  websocket: { throttlingBurstLimit: 5000, throttlingRateLimit: 2000, maxConnectionsPerUser: 10 },
  restApi: {
    throttlingBurstLimit: 5000,
    throttlingRateLimit: 2000,
    corsAllowedOrigins: ["https://crud.example.com"],
    waf: { requestsPerFiveMinutesPerIp: 2000 },
    latencyAlarmP99Ms: 1000,
  },
  identity: {
    selfSignUp: false,
    mfa: "REQUIRED",
    deletionProtection: true,
    hostedUiDomainPrefix: "crud-prod-333333333333",
    passwordMinimumLength: 12,
    tokenValidityMinutes: 60,
    webClient: {
      callbackUrls: ["https://crud.example.com/"],
      logoutUrls: ["https://crud.example.com/"],
    },
    machineClient: { scopes: ["items/read", "items/write"] },
  },
  events: {
    archiveRetentionDays: 365,
    stream: {
      batchSize: 100,
      maxBatchingWindowSeconds: 1,
      maxRetryAttempts: 10000,
      maxRecordAgeSeconds: 86400,
    },
    webhooks: [
      {
        name: "search-index",
        endpoint: "https://search-index.crud.example.com/hooks/item-events",
        eventPattern: { "detail-type": [{ prefix: "item." }] },
        invocationRateLimitPerSecond: 100,
        retry: { maximumRetryAttempts: 185, maximumEventAgeSeconds: 86400 },
        authorization: { type: "API_KEY", headerName: "x-api-key" },
      },
    ],
  },
  site: {
    priceClass: "PriceClass_All",
    customDomain: {
      domainName: "app.crud.example.com",
      certificateRegion: "us-east-1",
      hostedZoneId: "Z0123456789EXAMPLE",
    },
    waf: { requestsPerFiveMinutesPerIp: 2000 },
  },
  jobs: {
    cleanup: { expression: "cron(0 3 * * ? *)", timeZone: "Europe/London", enabled: true },
    report: { expression: "cron(0 6 ? * MON *)", timeZone: "Europe/London", enabled: true },
    canary: { expression: "rate(5 minutes)", timeZone: "UTC", enabled: true, outcomeTimeoutSeconds: 15 },
    retry: { maximumRetryAttempts: 3, maximumEventAgeSeconds: 3600 },
    timeoutSeconds: 60,
    reportRetentionDays: 400,
  },
  imports: {
    fileRetentionDays: 30,
    resultRetentionDays: 30,
    maxFileSizeMb: 100,
    uploadUrlExpirySeconds: 900,
    importerMemoryMb: 1024,
    importerTimeoutSeconds: 900,
    concurrentImports: 5,
    maxRowsPerFile: 1_000_000,
  },
  // Each environment has its own account, so each stack owns its account's API Gateway settings.
  ownsApiGatewayAccountSettings: true,
  backend: {
    type: "s3",
    bucket: "event-crud-tfstate-333333333333",
    key: "prod/event-crud.tfstate",
    region: "eu-west-1",
  },
};
