import { dev } from "../../environments/dev.ts";
import {
  type DomainEventSettings,
  findConfigProblems,
  type WebhookDestination,
} from "../../environments/environment-config.ts";
import { ENVIRONMENTS } from "../../environments/index.ts";

const webhook = dev.events.webhooks[0] as WebhookDestination;

/** The problems of dev with its domain-event settings changed as stated. */
function problemsWith(events: Partial<DomainEventSettings>): string[] {
  return findConfigProblems({ ...dev, events: { ...dev.events, ...events } });
}

function problemsOfWebhook(changes: Record<string, unknown>): string[] {
  return problemsWith({ webhooks: [{ ...webhook, ...changes } as WebhookDestination] });
}

describe("domain-event settings", () => {
  it("are valid in every shipped environment, each with at least one webhook", () => {
    for (const config of ENVIRONMENTS) {
      expect(findConfigProblems(config), config.name).toEqual([]);
      expect(config.events.webhooks.length, config.name).toBeGreaterThan(0);
    }
  });

  it.each([
    [{ archiveRetentionDays: 0 }, "events.archiveRetentionDays: must be an integer from 1 to 36500, got 0"],
    [
      { stream: { ...dev.events.stream, maxRecordAgeSeconds: -1 } },
      "events.stream.maxRecordAgeSeconds: must be an integer from 60 to 86400, got -1",
    ],
    [
      { stream: { ...dev.events.stream, maxRetryAttempts: -1 } },
      "events.stream.maxRetryAttempts: must be an integer from 0 to 10000, got -1",
    ],
    [
      { stream: { ...dev.events.stream, batchSize: 20000 } },
      "events.stream.batchSize: must be an integer from 1 to 10000, got 20000",
    ],
  ])("refuses %j", (events, problem) => {
    expect(problemsWith(events as Partial<DomainEventSettings>)).toEqual([problem]);
  });

  it.each([
    [
      { endpoint: "http://127.0.0.1:9000/hook" },
      'events.webhooks[0].endpoint: must be an https:// URL (EventBridge API destinations accept nothing else), got "http://127.0.0.1:9000/hook"; to deliver to a receiver on this machine, run npm run local -- --webhook-url <name>=<url>',
    ],
    [
      { endpoint: "https://user:secret@hooks.example.com/" },
      "events.webhooks[0].endpoint: must not carry credentials; they would be in the synthesized stack (use authorization)",
    ],
    [{ endpoint: "hooks" }, 'events.webhooks[0].endpoint: "hooks" is not a URL'],
    [
      { name: "Search_Index" },
      'events.webhooks[0].name: must be 1-15 lowercase letters, digits or hyphens, starting with a letter, got "Search_Index"',
    ],
    [
      { name: "a-name-longer-than-fifteen" },
      'events.webhooks[0].name: must be 1-15 lowercase letters, digits or hyphens, starting with a letter, got "a-name-longer-than-fifteen"',
    ],
    [
      { invocationRateLimitPerSecond: 0 },
      "events.webhooks[0].invocationRateLimitPerSecond: must be an integer from 1 to 300, got 0",
    ],
    [
      { retry: { maximumRetryAttempts: 200, maximumEventAgeSeconds: 3600 } },
      "events.webhooks[0].retry.maximumRetryAttempts: must be an integer from 0 to 185, got 200",
    ],
    [
      { retry: { maximumRetryAttempts: 2, maximumEventAgeSeconds: 30 } },
      "events.webhooks[0].retry.maximumEventAgeSeconds: must be an integer from 60 to 86400, got 30",
    ],
    [
      { authorization: { type: "API_KEY", headerName: "x api key" } },
      'events.webhooks[0].authorization.headerName: "x api key" is not an HTTP header name',
    ],
    [
      { authorization: { type: "BASIC", username: "" } },
      'events.webhooks[0].authorization.username: must be non-empty and without ":"',
    ],
    [
      { eventPattern: { source: ["other"], "detail-type": ["item.created"] } },
      "events.webhooks[0].eventPattern.source: is always this service's source; leave it out",
    ],
    [
      { eventPattern: { "detail-type": [{ prefixx: "item." }] } },
      'events.webhooks[0].eventPattern: detail-type[0]: unknown operator "prefixx"',
    ],
  ])("refuses a webhook with %j", (changes, problem) => {
    expect(problemsOfWebhook(changes)).toEqual([problem]);
  });

  it("refuses two webhooks of one name", () => {
    expect(problemsWith({ webhooks: [webhook, { ...webhook }] })).toEqual([
      'events.webhooks[1].name: "search-index" is used by another webhook',
    ]);
  });

  it("accepts an environment without webhooks", () => {
    expect(problemsWith({ webhooks: [] })).toEqual([]);
  });
});
