import { type EventPattern, eventPatternProblems } from "./event-pattern.ts";

/** How the items table's stream feeds the function that publishes domain events. */
export interface StreamConsumerSettings {
  /** Records per invocation (1 to 10000). */
  readonly batchSize: number;
  /** How long Lambda gathers records before invoking (0 to 300). */
  readonly maxBatchingWindowSeconds: number;
  /**
   * Retries of a failing batch before Lambda gives its records up. The publisher sets records that break the item
   * contract aside itself, so only faults that heal (an EventBridge, KMS or Lambda brown-out, throttling) reach
   * this limit, and a record given up on is a stored change without its event: keep it and the record age high
   * enough to ride out an outage (the iterator-age alarm says the shard is waiting).
   */
  readonly maxRetryAttempts: number;
  /** Records older than this go to the failure queue unprocessed (60 to 86400: the stream keeps records 24 h). */
  readonly maxRecordAgeSeconds: number;
}

/** How EventBridge authenticates to a webhook. The secret itself never enters this repository (see README). */
export type WebhookAuthorization =
  | {
      readonly type: "API_KEY" /** The header that carries the key, e.g. `x-api-key`. */;
      readonly headerName: string;
    }
  | { readonly type: "BASIC"; readonly username: string };

/** How long and how often EventBridge retries a failed delivery before it goes to the target's dead-letter queue. */
export interface DeliveryRetry {
  /** 0 to 185. */
  readonly maximumRetryAttempts: number;
  /** 60 to 86400. */
  readonly maximumEventAgeSeconds: number;
}

/** One partner or system that receives the service's item events over HTTPS. */
export interface WebhookDestination {
  /** Unique in the environment and part of resource names: 1-15 lowercase letters, digits or hyphens. */
  readonly name: string;
  /** Where events are delivered: an HTTPS URL (API destinations accept nothing else), without credentials in it. */
  readonly endpoint: string;
  /** @default "POST" */
  readonly httpMethod?: "POST" | "PUT";
  /** Which item events this destination receives, in EventBridge's pattern language; `source` is set by the stack. */
  readonly eventPattern: EventPattern;
  /** Deliveries per second EventBridge may make to the endpoint (1 to 300); more wait their turn. */
  readonly invocationRateLimitPerSecond: number;
  readonly retry: DeliveryRetry;
  readonly authorization: WebhookAuthorization;
}

/** Domain events: item changes from the table's stream onto the environment's event bus. */
export interface DomainEventSettings {
  /** Days the bus's archive keeps events for replay (1 to 36500). */
  readonly archiveRetentionDays: number;
  readonly stream: StreamConsumerSettings;
  /** Zero or more webhooks, each with its own rule, rate limit, retries and dead-letter queue. */
  readonly webhooks: readonly WebhookDestination[];
}

const WEBHOOK_NAME = /^[a-z]([a-z0-9-]{0,13}[a-z0-9])?$/;
// RFC 9110 token characters: what an HTTP header name may contain.
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,256}$/;

/** The checks a config's validation records its problems with (`findConfigProblems` owns the list). */
export interface ConfigChecks {
  /** Records `problem` unless `ok`. */
  check(ok: boolean, problem: string): void;
  integerIn(field: string, value: number, min: number, max: number): void;
}

/** Checks the domain-event settings, each problem naming its field (`events.…`) and what it must be. */
export function checkDomainEvents(settings: DomainEventSettings, { check, integerIn }: ConfigChecks): void {
  const report = (problems: readonly string[]) => {
    for (const problem of problems) check(false, problem);
  };

  integerIn("events.archiveRetentionDays", settings.archiveRetentionDays, 1, 36500);
  const { stream } = settings;
  integerIn("events.stream.batchSize", stream.batchSize, 1, 10000);
  integerIn("events.stream.maxBatchingWindowSeconds", stream.maxBatchingWindowSeconds, 0, 300);
  integerIn("events.stream.maxRetryAttempts", stream.maxRetryAttempts, 0, 10000);
  integerIn("events.stream.maxRecordAgeSeconds", stream.maxRecordAgeSeconds, 60, 86400);

  const names = settings.webhooks.map((webhook) => webhook.name);
  settings.webhooks.forEach((webhook, index) => {
    const at = `events.webhooks[${index}]`;
    check(
      WEBHOOK_NAME.test(webhook.name),
      `${at}.name: must be 1-15 lowercase letters, digits or hyphens, starting with a letter, got "${webhook.name}"`,
    );
    check(names.indexOf(webhook.name) === index, `${at}.name: "${webhook.name}" is used by another webhook`);
    report(endpointProblems(`${at}.endpoint`, webhook.endpoint));
    integerIn(`${at}.invocationRateLimitPerSecond`, webhook.invocationRateLimitPerSecond, 1, 300);
    integerIn(`${at}.retry.maximumRetryAttempts`, webhook.retry.maximumRetryAttempts, 0, 185);
    integerIn(`${at}.retry.maximumEventAgeSeconds`, webhook.retry.maximumEventAgeSeconds, 60, 86400);
    const { authorization } = webhook;
    if (authorization.type === "API_KEY")
      check(
        HEADER_NAME.test(authorization.headerName),
        `${at}.authorization.headerName: "${authorization.headerName}" is not an HTTP header name`,
      );
    else if (authorization.type === "BASIC")
      check(
        authorization.username.length > 0 && !authorization.username.includes(":"),
        `${at}.authorization.username: must be non-empty and without ":"`,
      );
    else check(false, `${at}.authorization.type: must be API_KEY or BASIC`);
    check(
      !("source" in webhook.eventPattern),
      `${at}.eventPattern.source: is always this service's source; leave it out`,
    );
    report(eventPatternProblems(webhook.eventPattern).map((problem) => `${at}.eventPattern: ${problem}`));
  });
}

function endpointProblems(field: string, endpoint: string): string[] {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return [`${field}: "${endpoint}" is not a URL`];
  }
  if (url.protocol !== "https:")
    return [
      `${field}: must be an https:// URL (EventBridge API destinations accept nothing else), got "${endpoint}"; ` +
        "to deliver to a receiver on this machine, run npm run local -- --webhook-url <name>=<url>",
    ];
  if (url.username || url.password)
    return [
      `${field}: must not carry credentials; they would be in the synthesized stack (use authorization)`,
    ];
  return [];
}
