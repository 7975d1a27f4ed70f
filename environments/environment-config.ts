import { ALL_SCOPES, HANDLER_NAMES, type HandlerName } from "../handlers/catalogue.ts";
import type { DomainEventSettings } from "./domain-events-config.ts";
import { type ConfigChecks, checkDomainEvents } from "./domain-events-config.ts";
import { checkImports, type ImportSettings } from "./imports-config.ts";
import { checkJobs, type JobSettings } from "./jobs-config.ts";

export type {
  DeliveryRetry,
  DomainEventSettings,
  StreamConsumerSettings,
  WebhookAuthorization,
  WebhookDestination,
} from "./domain-events-config.ts";
export type { ImportSettings } from "./imports-config.ts";
export type { JobName, JobSchedule, JobSettings, ScheduleRetry } from "./jobs-config.ts";

/**
 * How much an environment is trusted with. Production safeguards (deletion protection, point-in-time
 * recovery, no wildcard CORS, and the policy rules that check them) follow the tier, never the name, so a
 * second production environment gets them too.
 */
export const ENVIRONMENT_TIERS = ["production", "non-production"] as const;
export type EnvironmentTier = (typeof ENVIRONMENT_TIERS)[number];

/** State kept on the developer's machine, inside the stack's synth folder. */
export interface LocalStateBackend {
  readonly type: "local";
}

/** State in S3, locked with S3's native lock file (no DynamoDB lock table). */
export interface S3StateBackend {
  readonly type: "s3";
  readonly bucket: string;
  readonly key: string;
  readonly region: string;
  /** KMS key (ARN or alias) for the state objects. @default the bucket's default encryption */
  readonly kmsKeyId?: string;
}

export type StateBackend = LocalStateBackend | S3StateBackend;

export interface LambdaSettings {
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
  /** Concurrency reserved for each function. @default unreserved (shares the account pool) */
  readonly reservedConcurrency?: number;
  /**
   * Execution environments kept initialised per function, on its `live` alias: no cold start for that many
   * concurrent invocations, billed whether used or not (README, "Warm capacity"). @default none
   */
  readonly provisionedConcurrency?: Readonly<Partial<Record<HandlerName, number>>>;
}

export interface QueueSettings {
  /** Must cover six function timeouts plus the batching window, as Lambda's SQS guidance asks. */
  readonly visibilityTimeoutSeconds: number;
  /** Receives before a message moves to the dead-letter queue. */
  readonly maxReceiveCount: number;
  /**
   * How long a failed record waits before its next receive: doubling from `baseSeconds` up to `maxSeconds`. With
   * `maxReceiveCount`, the retries must span at least `MIN_RETRY_WINDOW_SECONDS`, so a brown-out of a dependency
   * does not carry every message it touches to the DLQ.
   */
  readonly retryBackoff: { readonly baseSeconds: number; readonly maxSeconds: number };
  /** Counted from the first enqueue, also in the DLQ: the DLQ must keep a message well beyond it. */
  readonly messageRetentionSeconds: number;
  /** The age-of-oldest-message alarm fires above this. */
  readonly oldestMessageAlarmSeconds: number;
}

export interface EventSourceSettings {
  readonly batchSize: number;
  readonly maxBatchingWindowSeconds: number;
  /** Upper bound of concurrent invocations per queue (SQS scaling config, 2..1000). */
  readonly maxConcurrency: number;
}

export interface WebSocketSettings {
  /** Stage-wide token bucket: burst size and steady messages per second. */
  readonly throttlingBurstLimit: number;
  readonly throttlingRateLimit: number;
  /** Open sockets one user may hold at once (a browser tab needs one); `$connect` refuses the next. */
  readonly maxConnectionsPerUser: number;
}

/** Who may sign in, and how: a Cognito user pool with its Hosted UI and app clients. */
export interface IdentitySettings {
  /** Whether people may create their own accounts; otherwise an administrator invites them. */
  readonly selfSignUp: boolean;
  /** TOTP multi-factor sign-in: users may enrol (`OPTIONAL`) or must (`REQUIRED`, the only choice in production). */
  readonly mfa: "OPTIONAL" | "REQUIRED";
  /** Refuses to delete the user pool (and with it every account) until switched off. */
  readonly deletionProtection: boolean;
  /** The Hosted UI's domain: `https://<prefix>.auth.<region>.amazoncognito.com`, unique in the region. */
  readonly hostedUiDomainPrefix: string;
  readonly passwordMinimumLength: number;
  /** Lifetime of access and ID tokens. */
  readonly tokenValidityMinutes: number;
  /** The browser client (authorization code with PKCE, no secret): where Cognito may send users back. */
  readonly webClient: {
    readonly callbackUrls: readonly string[];
    readonly logoutUrls: readonly string[];
  };
  /** A confidential client for service-to-service callers (client credentials). @default none */
  readonly machineClient?: { readonly scopes: readonly string[] };
}

export interface RestApiSettings {
  /** Stage method throttling and the usage plan's limits: burst size and steady requests per second. */
  readonly throttlingBurstLimit: number;
  readonly throttlingRateLimit: number;
  /** Origins browsers may call from; the first is the one error responses name. Never `*` in prod. */
  readonly corsAllowedOrigins: readonly string[];
  /** A WAF web ACL (per-IP rate rule and AWS's common rule set) on the stage. @default no WAF */
  readonly waf?: { readonly requestsPerFiveMinutesPerIp: number };
  /** The latency alarm fires when the stage's p99 exceeds this. */
  readonly latencyAlarmP99Ms: number;
}

/** CloudFront takes certificates from this region only, whatever the stack's region. */
export const CLOUDFRONT_CERTIFICATE_REGION = "us-east-1";

/** The web app: a private bucket behind a CloudFront distribution. */
export interface SiteSettings {
  /** Which edge locations serve it (CloudFront's price classes). */
  readonly priceClass: "PriceClass_100" | "PriceClass_200" | "PriceClass_All";
  /**
   * A name of the environment's own instead of the distribution's `*.cloudfront.net`: an ACM certificate is
   * requested in `certificateRegion` (CloudFront's, `us-east-1`), validated and aliased in the hosted zone
   * when one is given (else the DNS records are the operator's to create). @default the CloudFront name
   */
  readonly customDomain?: {
    readonly domainName: string;
    readonly certificateRegion: string;
    readonly hostedZoneId?: string;
  };
  /** A CloudFront web ACL (per-IP rate rule and AWS's common rule set). @default no WAF */
  readonly waf?: { readonly requestsPerFiveMinutesPerIp: number };
}

/** Everything that may differ between environments. The stack reads nothing else. */
export interface EnvironmentConfig {
  /** The stack's name (`cdktf deploy <name>`); `environments/index.ts` lists every environment once. */
  readonly name: string;
  readonly tier: EnvironmentTier;
  readonly accountId: string;
  readonly region: string;
  /** Prefix of every physical resource name, e.g. `crud-dev`. */
  readonly namePrefix: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly logRetentionDays: number;
  readonly deletionProtection: boolean;
  readonly pointInTimeRecovery: boolean;
  readonly kmsDeletionWindowDays: number;
  /** Address subscribed to the alarm topic. @default no subscription */
  readonly alarmEmail?: string;
  readonly lambda: LambdaSettings;
  readonly queues: QueueSettings;
  readonly eventSource: EventSourceSettings;
  readonly websocket: WebSocketSettings;
  readonly restApi: RestApiSettings;
  readonly identity: IdentitySettings;
  /** Item changes published from the items table's stream onto the environment's event bus. */
  readonly events: DomainEventSettings;
  readonly site: SiteSettings;
  /** Scheduled jobs: daily cleanup, weekly report, the health canary. */
  readonly jobs: JobSettings;
  /** Items imported in bulk from files uploaded to the environment's imports bucket. */
  readonly imports: ImportSettings;
  /**
   * Whether this stack owns API Gateway's account-wide CloudWatch role setting. It is one per account
   * and region, so exactly one environment per account and region may set it.
   */
  readonly ownsApiGatewayAccountSettings: boolean;
  readonly backend: StateBackend;
}

/** Thrown when a config is invalid; lists every problem at once. */
export class EnvironmentConfigError extends Error {
  constructor(
    readonly environment: string,
    readonly problems: readonly string[],
  ) {
    super(
      `Invalid environment config "${environment}" (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
        problems.map((problem) => `  - ${problem}`).join("\n"),
    );
    this.name = "EnvironmentConfigError";
  }
}

/** Values CloudWatch Logs accepts for a log group's retention. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

/** Retries must outlast a dependency's brown-out this long before a message reaches the DLQ. */
export const MIN_RETRY_WINDOW_SECONDS = 600;
/** SQS's maximum retention, the DLQ's: the time a message has in all, counted from its first enqueue. */
export const DEAD_LETTER_QUEUE_RETENTION_SECONDS = 14 * 24 * 60 * 60;
/** Whatever a message spent in its queue, the DLQ keeps it at least this long for a person to look at. */
export const MIN_DEAD_LETTER_TRIAGE_SECONDS = 7 * 24 * 60 * 60;

/** The time a failed message keeps being retried: the backoffs between its receives, at their shortest (half a step). */
export function retryWindowSeconds(queues: Pick<QueueSettings, "maxReceiveCount" | "retryBackoff">): number {
  let total = 0;
  for (let receive = 1; receive < queues.maxReceiveCount; receive += 1) {
    total +=
      Math.min(queues.retryBackoff.maxSeconds, queues.retryBackoff.baseSeconds * 2 ** (receive - 1)) / 2;
  }
  return Math.floor(total);
}

const ENVIRONMENT_NAME = /^[a-z][a-z0-9-]{0,19}$/;
const ACCOUNT_ID = /^\d{12}$/;
const REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/;
// Leaves room for the longest suffix ("-ws-disconnect") within Lambda's 64-character name limit.
const NAME_PREFIX = /^[a-z][a-z0-9-]{0,38}[a-z0-9]$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const ORIGIN = /^https?:\/\/[a-z0-9.-]+(:\d{1,5})?$/;
// Cognito refuses domain prefixes that name AWS, Amazon or Cognito.
const HOSTED_UI_PREFIX = /^(?!.*(aws|amazon|cognito))[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const S3_BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const TAG_KEY = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$/u;
const TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{0,256}$/u;

/**
 * Collects every problem in `config`. Numbers are checked against the limits AWS enforces, so a bad
 * value fails at synth rather than halfway through an apply.
 */
export function findConfigProblems(config: EnvironmentConfig): string[] {
  const problems: string[] = [];
  const check = (ok: boolean, problem: string) => {
    if (!ok) problems.push(problem);
  };
  const integerIn = (field: string, value: number, min: number, max: number) =>
    check(
      Number.isInteger(value) && value >= min && value <= max,
      `${field}: must be an integer from ${min} to ${max}, got ${value}`,
    );

  check(
    ENVIRONMENT_NAME.test(config.name),
    `name: must be 1-20 lowercase letters, digits or hyphens, starting with a letter, got "${config.name}"`,
  );
  check(
    (ENVIRONMENT_TIERS as readonly string[]).includes(config.tier),
    `tier: must be one of ${ENVIRONMENT_TIERS.join(", ")}, got "${config.tier}"`,
  );
  check(ACCOUNT_ID.test(config.accountId), `accountId: must be 12 digits, got "${config.accountId}"`);
  check(REGION.test(config.region), `region: must look like "eu-west-1", got "${config.region}"`);
  check(
    NAME_PREFIX.test(config.namePrefix),
    `namePrefix: must be 2-40 lowercase letters, digits or hyphens, starting with a letter, got "${config.namePrefix}"`,
  );
  for (const [key, value] of Object.entries(config.tags)) {
    check(TAG_KEY.test(key) && !key.startsWith("aws:"), `tags: key "${key}" is not a valid AWS tag key`);
    check(TAG_VALUE.test(value), `tags.${key}: "${value}" is not a valid AWS tag value`);
  }
  check(
    (LOG_RETENTION_DAYS as readonly number[]).includes(config.logRetentionDays),
    `logRetentionDays: must be one of ${LOG_RETENTION_DAYS.join(", ")}, got ${config.logRetentionDays}`,
  );
  integerIn("kmsDeletionWindowDays", config.kmsDeletionWindowDays, 7, 30);
  if (config.alarmEmail !== undefined) {
    check(EMAIL.test(config.alarmEmail), `alarmEmail: "${config.alarmEmail}" is not an e-mail address`);
  }
  if (config.tier === "production") {
    check(config.deletionProtection, "deletionProtection: must be true in a production environment");
    check(config.pointInTimeRecovery, "pointInTimeRecovery: must be true in a production environment");
  }

  const { lambda, queues, eventSource } = config;
  integerIn("lambda.memoryMb", lambda.memoryMb, 128, 10240);
  integerIn("lambda.timeoutSeconds", lambda.timeoutSeconds, 1, 900);
  if (lambda.reservedConcurrency !== undefined) {
    // Scaling config needs at least 2 concurrent invocations, so a reservation below it starves the queue.
    integerIn("lambda.reservedConcurrency", lambda.reservedConcurrency, eventSource.maxConcurrency, 1000);
  }
  for (const [name, count] of Object.entries(lambda.provisionedConcurrency ?? {})) {
    if (!(HANDLER_NAMES as readonly string[]).includes(name)) {
      problems.push(
        `lambda.provisionedConcurrency: "${name}" is not a function; functions: ${HANDLER_NAMES.join(", ")}`,
      );
      continue;
    }
    // Lambda refuses provisioned concurrency above the function's reserved concurrency.
    integerIn(`lambda.provisionedConcurrency.${name}`, Number(count), 1, lambda.reservedConcurrency ?? 1000);
  }

  integerIn("queues.visibilityTimeoutSeconds", queues.visibilityTimeoutSeconds, 0, 43200);
  const minimumVisibility = 6 * lambda.timeoutSeconds + eventSource.maxBatchingWindowSeconds;
  check(
    queues.visibilityTimeoutSeconds >= minimumVisibility,
    `queues.visibilityTimeoutSeconds: must be at least 6 x lambda.timeoutSeconds + eventSource.maxBatchingWindowSeconds ` +
      `(6 x ${lambda.timeoutSeconds} + ${eventSource.maxBatchingWindowSeconds} = ${minimumVisibility}), got ${queues.visibilityTimeoutSeconds}`,
  );
  integerIn("queues.maxReceiveCount", queues.maxReceiveCount, 1, 1000);
  integerIn("queues.messageRetentionSeconds", queues.messageRetentionSeconds, 60, 1209600);
  integerIn("queues.retryBackoff.baseSeconds", queues.retryBackoff.baseSeconds, 1, 43200);
  integerIn(
    "queues.retryBackoff.maxSeconds",
    queues.retryBackoff.maxSeconds,
    queues.retryBackoff.baseSeconds,
    43200,
  );
  const window = retryWindowSeconds(queues);
  check(
    window >= MIN_RETRY_WINDOW_SECONDS,
    `queues: ${queues.maxReceiveCount} receives with a backoff of ${queues.retryBackoff.baseSeconds}..${queues.retryBackoff.maxSeconds} s retry for ${window} s; ` +
      `raise maxReceiveCount or the backoff so retries span at least ${MIN_RETRY_WINDOW_SECONDS} s (a brown-out of a dependency)`,
  );
  check(
    queues.messageRetentionSeconds + MIN_DEAD_LETTER_TRIAGE_SECONDS <= DEAD_LETTER_QUEUE_RETENTION_SECONDS,
    `queues.messageRetentionSeconds: at most ${DEAD_LETTER_QUEUE_RETENTION_SECONDS - MIN_DEAD_LETTER_TRIAGE_SECONDS} ` +
      `(the DLQ's ${DEAD_LETTER_QUEUE_RETENTION_SECONDS} s less ${MIN_DEAD_LETTER_TRIAGE_SECONDS} s to triage: a message's age counts from its first enqueue, also in the DLQ), got ${queues.messageRetentionSeconds}`,
  );
  integerIn("queues.oldestMessageAlarmSeconds", queues.oldestMessageAlarmSeconds, 60, 1209600);

  integerIn("eventSource.maxBatchingWindowSeconds", eventSource.maxBatchingWindowSeconds, 0, 300);
  // Lambda accepts batches above 10 from SQS only with a batching window.
  const maxBatch = eventSource.maxBatchingWindowSeconds > 0 ? 10000 : 10;
  integerIn("eventSource.batchSize", eventSource.batchSize, 1, maxBatch);
  integerIn("eventSource.maxConcurrency", eventSource.maxConcurrency, 2, 1000);

  integerIn("websocket.throttlingBurstLimit", config.websocket.throttlingBurstLimit, 0, 5000);
  check(
    config.websocket.throttlingRateLimit > 0 && config.websocket.throttlingRateLimit <= 10000,
    `websocket.throttlingRateLimit: must be above 0 and at most 10000, got ${config.websocket.throttlingRateLimit}`,
  );

  integerIn("websocket.maxConnectionsPerUser", config.websocket.maxConnectionsPerUser, 1, 100);
  problems.push(...findIdentityProblems(config));

  const { restApi } = config;
  integerIn("restApi.throttlingBurstLimit", restApi.throttlingBurstLimit, 0, 5000);
  check(
    restApi.throttlingRateLimit > 0 && restApi.throttlingRateLimit <= 10000,
    `restApi.throttlingRateLimit: must be above 0 and at most 10000, got ${restApi.throttlingRateLimit}`,
  );
  check(restApi.corsAllowedOrigins.length > 0, "restApi.corsAllowedOrigins: must name at least one origin");
  for (const origin of restApi.corsAllowedOrigins) {
    check(
      origin === "*" || ORIGIN.test(origin),
      `restApi.corsAllowedOrigins: "${origin}" is not an origin (scheme://host[:port], no path)`,
    );
  }
  if (config.tier === "production") {
    check(
      !restApi.corsAllowedOrigins.includes("*"),
      'restApi.corsAllowedOrigins: "*" is not allowed in a production environment',
    );
  }
  if (restApi.waf) {
    integerIn(
      "restApi.waf.requestsPerFiveMinutesPerIp",
      restApi.waf.requestsPerFiveMinutesPerIp,
      10,
      2000000000,
    );
  }
  integerIn("restApi.latencyAlarmP99Ms", restApi.latencyAlarmP99Ms, 1, 29000);

  checkDomainEvents(config.events, { check, integerIn });
  checkSite(config.site, { check, integerIn });
  if (config.tier === "production" && config.site)
    check(
      config.site.customDomain !== undefined,
      "site.customDomain: required in a production environment (the default *.cloudfront.net certificate is served with TLSv1)",
    );
  checkJobs(
    config.jobs,
    { check, integerIn },
    { hasMachineClient: config.identity.machineClient !== undefined },
  );
  checkImports(config.imports, { check, integerIn });

  if (config.backend.type === "s3") {
    const { bucket, key, region } = config.backend;
    check(S3_BUCKET.test(bucket), `backend.bucket: "${bucket}" is not a valid S3 bucket name`);
    check(
      key.length > 0 && !key.startsWith("/") && key.endsWith(".tfstate"),
      `backend.key: must be a relative path ending in .tfstate, got "${key}"`,
    );
    check(REGION.test(region), `backend.region: must look like "eu-west-1", got "${region}"`);
  }
  return problems;
}

const DOMAIN_NAME = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const HOSTED_ZONE_ID = /^Z[A-Z0-9]{1,31}$/;

/** Problems of the site settings: what CloudFront, ACM and Route 53 accept. */
function checkSite(site: SiteSettings | undefined, { check, integerIn }: ConfigChecks): void {
  if (!site) {
    check(false, "site: is required (priceClass at least)");
    return;
  }
  check(
    ["PriceClass_100", "PriceClass_200", "PriceClass_All"].includes(site.priceClass),
    `site.priceClass: must be PriceClass_100, PriceClass_200 or PriceClass_All, got "${site.priceClass}"`,
  );
  const domain = site.customDomain;
  if (domain) {
    check(
      DOMAIN_NAME.test(domain.domainName ?? ""),
      `site.customDomain.domainName: "${domain.domainName}" is not a lowercase DNS name such as app.example.com`,
    );
    check(
      domain.certificateRegion === CLOUDFRONT_CERTIFICATE_REGION,
      `site.customDomain.certificateRegion: CloudFront only uses certificates from ${CLOUDFRONT_CERTIFICATE_REGION}, got "${domain.certificateRegion}"`,
    );
    if (domain.hostedZoneId !== undefined)
      check(
        HOSTED_ZONE_ID.test(domain.hostedZoneId),
        `site.customDomain.hostedZoneId: "${domain.hostedZoneId}" is not a Route 53 hosted zone id (Z followed by letters and digits)`,
      );
  }
  if (site.waf)
    integerIn(
      "site.waf.requestsPerFiveMinutesPerIp",
      site.waf.requestsPerFiveMinutesPerIp,
      10,
      2_000_000_000,
    );
}

/** Problems of the identity settings: Cognito's own limits, and what production may not do. */
function findIdentityProblems(config: EnvironmentConfig): string[] {
  const problems: string[] = [];
  const { identity } = config;
  const production = config.tier === "production";
  const check = (ok: boolean, problem: string) => {
    if (!ok) problems.push(problem);
  };
  check(
    HOSTED_UI_PREFIX.test(identity.hostedUiDomainPrefix),
    `identity.hostedUiDomainPrefix: must be 1-63 lowercase letters, digits or hyphens without "aws", "amazon" or "cognito", got "${identity.hostedUiDomainPrefix}"`,
  );
  check(
    Number.isInteger(identity.passwordMinimumLength) &&
      identity.passwordMinimumLength >= 8 &&
      identity.passwordMinimumLength <= 99,
    `identity.passwordMinimumLength: must be an integer from 8 to 99, got ${identity.passwordMinimumLength}`,
  );
  check(
    Number.isInteger(identity.tokenValidityMinutes) &&
      identity.tokenValidityMinutes >= 5 &&
      identity.tokenValidityMinutes <= 1440,
    `identity.tokenValidityMinutes: must be an integer from 5 to 1440, got ${identity.tokenValidityMinutes}`,
  );
  check(
    ["OPTIONAL", "REQUIRED"].includes(identity.mfa),
    `identity.mfa: must be OPTIONAL or REQUIRED, got "${identity.mfa}"`,
  );
  if (production) {
    check(identity.mfa === "REQUIRED", 'identity.mfa: must be "REQUIRED" in a production environment');
    check(
      identity.deletionProtection,
      "identity.deletionProtection: must be true in a production environment",
    );
  }
  for (const field of ["callbackUrls", "logoutUrls"] as const) {
    const urls = identity.webClient[field];
    check(urls.length > 0, `identity.webClient.${field}: must name at least one URL`);
    for (const url of urls) {
      const problem = redirectUrlProblem(url, production);
      if (problem) problems.push(`identity.webClient.${field}: "${url}" ${problem}`);
    }
  }
  for (const scope of identity.machineClient?.scopes ?? []) {
    check(
      (ALL_SCOPES as readonly string[]).includes(scope),
      `identity.machineClient.scopes: "${scope}" is not a scope of this API (${ALL_SCOPES.join(", ")})`,
    );
  }
  if (identity.machineClient)
    check(
      identity.machineClient.scopes.length > 0,
      "identity.machineClient.scopes: must grant at least one scope",
    );
  return problems;
}

/**
 * Why Cognito would refuse, or production should not use, a callback or logout URL: it must be absolute,
 * without a fragment, and HTTPS, except plain HTTP to this machine outside production.
 */
function redirectUrlProblem(url: string, production: boolean): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return "is not an absolute URL";
  }
  if (parsed.hash) return "must not have a fragment";
  if (parsed.protocol === "https:") return undefined;
  if (parsed.protocol !== "http:") return "must be https://";
  if (production) return "must be https:// in a production environment";
  const loopback = ["localhost", "127.0.0.1"].includes(parsed.hostname);
  return loopback ? undefined : "must be https:// (plain http is for localhost only)";
}

/**
 * Problems that only show across environments: API Gateway's account settings are one per account and
 * region, so two stacks owning them in the same place would overwrite each other.
 */
export function findCrossEnvironmentProblems(configs: readonly EnvironmentConfig[]): string[] {
  const problems: string[] = [];
  const owners = new Map<string, string[]>();
  for (const config of configs) {
    if (!config.ownsApiGatewayAccountSettings) continue;
    const place = `${config.accountId}/${config.region}`;
    owners.set(place, [...(owners.get(place) ?? []), config.name]);
  }
  for (const [place, names] of owners) {
    if (names.length > 1) {
      problems.push(
        `ownsApiGatewayAccountSettings: ${names.join(" and ")} both own ${place}; exactly one may`,
      );
    }
  }
  const names = configs.map((config) => config.name);
  for (const name of new Set(names)) {
    if (names.filter((other) => other === name).length > 1) problems.push(`name: "${name}" is used twice`);
  }
  const domains = configs.map((config) => `${config.region}/${config.identity.hostedUiDomainPrefix}`);
  for (const domain of new Set(domains)) {
    if (domains.filter((other) => other === domain).length > 1)
      problems.push(
        `identity.hostedUiDomainPrefix: ${domain} is used by two environments; Cognito domains are unique per region`,
      );
  }
  const prefixes = configs.map((config) => `${config.accountId}/${config.region}/${config.namePrefix}`);
  for (const prefix of new Set(prefixes)) {
    if (prefixes.filter((other) => other === prefix).length > 1) {
      problems.push(`namePrefix: ${prefix} is used by two environments in the same account and region`);
    }
  }
  return problems;
}

/** Validates every config and their combination, throwing one error that names every problem. */
export function validateEnvironments(configs: readonly EnvironmentConfig[]): readonly EnvironmentConfig[] {
  const own = configs.map((config) => ({ name: config.name, problems: findConfigProblems(config) }));
  const shared = findCrossEnvironmentProblems(configs);
  const problems = [
    ...own.flatMap(({ name, problems }) => problems.map((problem) => `${name}: ${problem}`)),
    ...shared,
  ];
  // The header names the environments at fault; a problem between environments concerns them all.
  const atFault = shared.length > 0 ? configs : own.filter((entry) => entry.problems.length > 0);
  if (problems.length > 0)
    throw new EnvironmentConfigError(atFault.map((config) => config.name).join(", "), problems);
  return configs;
}

/** Returns `config` unchanged, or throws one error naming every problem. */
export function validateConfig(config: EnvironmentConfig): EnvironmentConfig {
  const problems = findConfigProblems(config);
  if (problems.length > 0) throw new EnvironmentConfigError(config.name, problems);
  return config;
}
