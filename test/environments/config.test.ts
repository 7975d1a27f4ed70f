import { dev } from "../../environments/dev.ts";
import {
  type EnvironmentConfig,
  EnvironmentConfigError,
  validateConfig,
  validateEnvironments,
} from "../../environments/environment-config.ts";
import { ENVIRONMENTS } from "../../environments/index.ts";
import { prod } from "../../environments/prod.ts";

/** A config differing from `base` only where stated. */
function variant(base: EnvironmentConfig, changes: Record<string, unknown>): EnvironmentConfig {
  return { ...base, ...changes } as EnvironmentConfig;
}

describe("environment configs", () => {
  it("accepts every shipped environment, together", () => {
    expect(ENVIRONMENTS.length).toBeGreaterThanOrEqual(3);
    expect(validateEnvironments(ENVIRONMENTS)).toBe(ENVIRONMENTS);
  });

  it("reports every problem of one config in one error", () => {
    const broken = variant(dev, {
      accountId: "12345",
      region: "Europe",
      lambda: { memoryMb: 512, timeoutSeconds: 30 },
      queues: { ...dev.queues, visibilityTimeoutSeconds: 60 },
    });

    const error = (() => {
      try {
        validateConfig(broken);
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();

    expect(error).toBeInstanceOf(EnvironmentConfigError);
    expect((error as EnvironmentConfigError).message).toBe(
      [
        'Invalid environment config "dev" (3 problems):',
        '  - accountId: must be 12 digits, got "12345"',
        '  - region: must look like "eu-west-1", got "Europe"',
        "  - queues.visibilityTimeoutSeconds: must be at least 6 x lambda.timeoutSeconds + eventSource.maxBatchingWindowSeconds (6 x 30 + 0 = 180), got 60",
      ].join("\n"),
    );
  });

  it("names only the environments at fault when it validates them together", () => {
    const broken = variant(dev, { accountId: "12345" });
    expect(() => validateEnvironments([broken, ...ENVIRONMENTS.slice(1)])).toThrow(
      /^Invalid environment config "dev" \(1 problem\):\n {2}- dev: accountId: must be 12 digits/,
    );
  });

  it.each([
    [{ logRetentionDays: 10 }, /logRetentionDays: must be one of 1, 3, 5, 7, 14, .*, got 10/],
    [{ kmsDeletionWindowDays: 3 }, /kmsDeletionWindowDays: must be an integer from 7 to 30, got 3/],
    [
      { namePrefix: "Crud_Dev" },
      /namePrefix: must be 2-40 lowercase letters, digits or hyphens, starting with a letter, got "Crud_Dev"/,
    ],
    [{ alarmEmail: "ops-at-example" }, /alarmEmail: "ops-at-example" is not an e-mail address/],
    [{ tags: { "aws:owner": "x" } }, /tags: key "aws:owner" is not a valid AWS tag key/],
    [
      { lambda: { memoryMb: 64, timeoutSeconds: 10 } },
      /lambda\.memoryMb: must be an integer from 128 to 10240, got 64/,
    ],
    [
      { lambda: { memoryMb: 512, timeoutSeconds: 10, reservedConcurrency: 1 } },
      /lambda\.reservedConcurrency: must be an integer from 5 to 1000, got 1/,
    ],
    [
      { queues: { ...dev.queues, maxReceiveCount: 0 } },
      /queues\.maxReceiveCount: must be an integer from 1 to 1000, got 0/,
    ],
    [
      { queues: { ...dev.queues, messageRetentionSeconds: 30 } },
      /queues\.messageRetentionSeconds: must be an integer from 60 to 1209600, got 30/,
    ],
    [
      { eventSource: { batchSize: 50, maxBatchingWindowSeconds: 0, maxConcurrency: 5 } },
      /eventSource\.batchSize: must be an integer from 1 to 10, got 50/,
    ],
    [
      { eventSource: { batchSize: 10, maxBatchingWindowSeconds: 1, maxConcurrency: 1 } },
      /eventSource\.maxConcurrency: must be an integer from 2 to 1000, got 1/,
    ],
    [
      { websocket: { throttlingBurstLimit: 10, throttlingRateLimit: 0 } },
      /websocket\.throttlingRateLimit: must be above 0 and at most 10000, got 0/,
    ],
    [
      { backend: { type: "s3", bucket: "Bad_Bucket", key: "/state", region: "eu-west-1" } },
      /backend\.bucket: "Bad_Bucket" is not a valid S3 bucket name\n {2}- backend\.key: must be a relative path ending in \.tfstate, got "\/state"/,
    ],
  ])("rejects %j", (changes, message) => {
    expect(() => validateConfig(variant(dev, changes))).toThrow(message);
  });

  it.each([
    [{ maxFileSizeMb: 101 }, /imports\.maxFileSizeMb: must be an integer from 1 to 100, got 101/],
    [{ fileRetentionDays: 0 }, /imports\.fileRetentionDays: must be an integer from 1 to 3650, got 0/],
    [
      { fileRetentionDays: 30, resultRetentionDays: 7 },
      /imports\.resultRetentionDays: must be at least imports\.fileRetentionDays \(30\): a file's result must outlive the file, got 7/,
    ],
    [
      { uploadUrlExpirySeconds: 7200 },
      /imports\.uploadUrlExpirySeconds: must be an integer from 60 to 3600, got 7200/,
    ],
    [
      { importerTimeoutSeconds: 1000 },
      /imports\.importerTimeoutSeconds: must be an integer from 60 to 900, got 1000/,
    ],
  ])("refuses import settings %o, naming the field", (changes, message) => {
    expect(() => validateConfig(variant(dev, { imports: { ...dev.imports, ...changes } }))).toThrow(message);
  });

  it("requires deletion protection and point-in-time recovery in a production environment", () => {
    expect(() =>
      validateConfig(variant(prod, { deletionProtection: false, pointInTimeRecovery: false })),
    ).toThrow(
      /deletionProtection: must be true in a production environment\n {2}- pointInTimeRecovery: must be true in a production environment/,
    );
  });

  it("keys production safeguards on the tier, not the name: a second production environment gets them", () => {
    const second = variant(dev, { name: "prod-us", tier: "production", deletionProtection: false });
    expect(() => validateConfig(second)).toThrow(
      /deletionProtection: must be true in a production environment/,
    );
    expect(() =>
      validateConfig(variant(prod, { tier: "non-production", deletionProtection: false })),
    ).not.toThrow();
  });

  it("refuses an unknown tier and a name that cannot be a stack", () => {
    expect(() => validateConfig(variant(dev, { tier: "prod" }))).toThrow(
      /tier: must be one of production, non-production, got "prod"/,
    );
    expect(() => validateConfig(variant(dev, { name: "Dev Stack" }))).toThrow(
      /name: must be 1-20 lowercase letters, digits or hyphens, starting with a letter, got "Dev Stack"/,
    );
  });

  it("refuses retries that would carry a brown-out's messages to the DLQ within minutes", () => {
    expect(() =>
      validateConfig(
        variant(dev, {
          queues: { ...dev.queues, maxReceiveCount: 3, retryBackoff: { baseSeconds: 10, maxSeconds: 60 } },
        }),
      ),
    ).toThrow(
      /queues: 3 receives with a backoff of 10\.\.60 s retry for 15 s; raise maxReceiveCount or the backoff so retries span at least 600 s/,
    );
  });

  it("refuses a queue retention the DLQ cannot outlast by a week (age counts from the first enqueue)", () => {
    expect(() =>
      validateConfig(variant(prod, { queues: { ...prod.queues, messageRetentionSeconds: 1_209_600 } })),
    ).toThrow(
      /queues\.messageRetentionSeconds: at most 604800 \(the DLQ's 1209600 s less 604800 s to triage/,
    );
  });

  it("refuses a wildcard CORS origin in a production environment", () => {
    expect(() =>
      validateConfig(variant(prod, { restApi: { ...prod.restApi, corsAllowedOrigins: ["*"] } })),
    ).toThrow(/restApi\.corsAllowedOrigins: "\*" is not allowed in a production environment/);
  });

  it("refuses two environments owning API Gateway's account settings in one account and region", () => {
    const sameAccount = variant(prod, { accountId: dev.accountId, region: dev.region });

    expect(() => validateEnvironments([dev, sameAccount])).toThrow(
      /ownsApiGatewayAccountSettings: dev and prod both own 111111111111\/eu-west-1; exactly one may/,
    );
  });

  it("names the environment of each problem when validating them together", () => {
    expect(() =>
      validateEnvironments([variant(dev, { accountId: "x" }), variant(prod, { region: "mars" })]),
    ).toThrow(
      /dev: accountId: must be 12 digits, got "x"\n {2}- prod: region: must look like "eu-west-1", got "mars"/,
    );
  });
});
