import type { IncomingMessage, ServerResponse } from "node:http";
import { readEventBuses, readStreamedTables, readStreamMappings } from "../../synthesized/event-bus-model.ts";
import type { StackModel } from "../../synthesized/service-model.ts";
import type { StackJson } from "../../synthesized/stack-json.ts";
import { LocalStreams, type StreamRecorderPeer, startStreamRecorder } from "../dynamodb-streams/streams.ts";
import type { LocalEmulation } from "../emulations.ts";
import type { SqsBroker } from "../sqs/broker.ts";
import { StreamEventSourcePoller } from "../stream-sources.ts";
import { type BusEvent, LocalEventBus } from "./bus.ts";
import { eventBridgeEmulation, startEventBridgeEndpoint } from "./endpoint.ts";

export interface DomainEventsOptions {
  readonly projectRoot: string;
  readonly stack: StackJson;
  readonly model: StackModel;
  /** dynalite's endpoint: the stream recorder stands in front of it. */
  readonly dynamoEndpoint: string;
  readonly broker: SqsBroker;
  readonly account: string;
  readonly log: (line: string) => void;
  readonly timeScale: number;
  /** Where to deliver a webhook instead of its configured endpoint, by the webhook's config name. */
  readonly webhookUrls: Readonly<Record<string, string>>;
}

export interface DomainEventsEmulation {
  /** The DynamoDB endpoint everything must write through, so every change reaches the stream. */
  readonly dynamoEndpoint: string;
  /** The same, for the deletions DynamoDB's TTL makes. */
  readonly ttlEndpoint: string;
  readonly eventBridgeUrl: string;
  readonly emulation: LocalEmulation;
  readonly bus: LocalEventBus;
  /** Starts feeding the stack's stream mappings to their functions. */
  startPolling(invoke: (functionName: string, event: unknown, qualifier?: string) => Promise<unknown>): void;
  /** Serves `/_local/events...` for the `npm run local -- events` commands; false for other paths. */
  routes(request: IncomingMessage, response: ServerResponse): boolean;
  close(): Promise<void>;
}

/**
 * Domain events for the runner, from the synthesized stack: DynamoDB Streams of the stream-enabled tables (a
 * recording endpoint in front of dynalite), the stream mappings feeding their functions, and EventBridge with the
 * stack's buses, rules, targets and archives. Webhooks go to their configured endpoints unless redirected.
 */
export async function startDomainEvents(options: DomainEventsOptions): Promise<DomainEventsEmulation> {
  const { stack, model, broker, log, timeScale, account } = options;
  const buses = readEventBuses(stack);
  const destinations = buses
    .flatMap((busModel) => busModel.rules.flatMap((rule) => rule.targets))
    .flatMap((target) =>
      target.destination.kind === "api-destination" ? [target.destination.apiDestination.name] : [],
    );
  const endpointOverrides: Record<string, string> = {};
  for (const [webhook, url] of Object.entries(options.webhookUrls)) {
    const destination = destinations.find((name) => name.endsWith(`-webhook-${webhook}`));
    if (!destination)
      throw new Error(
        `--webhook-url ${webhook}: the dev stack has no webhook of that name (it has ${destinations.join(", ") || "none"})`,
      );
    endpointOverrides[destination] = url;
  }
  const streams = new LocalStreams(readStreamedTables(stack), { region: model.region, account });
  const recorder: StreamRecorderPeer = await startStreamRecorder(
    options.projectRoot,
    options.dynamoEndpoint,
    model.tables,
    streams,
  );
  const bus = new LocalEventBus(buses, {
    region: model.region,
    account,
    deadLetter: (queue, body, attributes) => broker.send(queue, body, attributes),
    log,
    timeScale,
    endpointOverrides,
  });
  const endpoint = await startEventBridgeEndpoint(bus);
  const pollers: StreamEventSourcePoller[] = [];
  const targets = buses.flatMap((busModel) => busModel.rules.flatMap((rule) => rule.targets));
  const logGroups = targets.flatMap((target) =>
    target.destination.kind === "log-group" ? [target.destination.logGroup] : [],
  );
  const deadLetterQueues = [
    ...new Set([
      ...targets.flatMap((target) => target.deadLetterQueue ?? []),
      ...readStreamMappings(stack).flatMap((mapping) => mapping.onFailureQueue ?? []),
    ]),
  ];
  return {
    dynamoEndpoint: recorder.endpoint,
    ttlEndpoint: recorder.serviceEndpoint,
    eventBridgeUrl: endpoint.url,
    emulation: eventBridgeEmulation(model.region, account),
    bus,
    startPolling: (invoke) => {
      for (const mapping of readStreamMappings(stack)) {
        const poller = new StreamEventSourcePoller(
          streams,
          (functionName, event) => invoke(functionName, event, mapping.qualifier),
          mapping,
          {
            region: model.region,
            account,
            sendToQueue: (queue, body) => broker.send(queue, body),
            log,
            timeScale,
          },
        );
        poller.start();
        pollers.push(poller);
      }
    },
    routes: (request, response) =>
      serveEventRoutes(request, response, bus, broker, { deadLetterQueues, logGroups }),
    close: async () => {
      for (const poller of pollers) poller.stop();
      bus.close();
      await Promise.all([endpoint.close(), recorder.close()]);
    },
  };
}

function serveEventRoutes(
  request: IncomingMessage,
  response: ServerResponse,
  bus: LocalEventBus,
  broker: SqsBroker,
  { deadLetterQueues, logGroups }: { deadLetterQueues: readonly string[]; logGroups: readonly string[] },
): boolean {
  const url = new URL(request.url ?? "/", "http://local");
  const json = (status: number, body: unknown) => {
    response.writeHead(status, { "content-type": "application/json" });
    response.end(JSON.stringify(body));
  };
  if (url.pathname === "/_local/events" && request.method === "GET") {
    // One event per line, as long as the client listens: `npm run local -- events tail`.
    response.writeHead(200, { "content-type": "application/x-ndjson", "cache-control": "no-store" });
    response.write("\n");
    const listener = (event: BusEvent) => response.write(`${JSON.stringify(event)}\n`);
    bus.on("event", listener);
    request.socket.setTimeout(0);
    response.once("close", () => bus.off("event", listener));
    return true;
  }
  if (url.pathname === "/_local/events/replay" && request.method === "POST") {
    const from = url.searchParams.get("since");
    const rules = url.searchParams.getAll("rule");
    const start = from === null ? undefined : Date.parse(from);
    if (start !== undefined && Number.isNaN(start)) {
      json(400, { error: `since: "${from}" is not a date-time` });
      return true;
    }
    json(200, bus.replay({ ...(start === undefined ? {} : { from: start }), rules }));
    return true;
  }
  if (url.pathname === "/_local/events/dead-letters" && request.method === "GET") {
    json(
      200,
      Object.fromEntries(
        deadLetterQueues.map((queue) => [
          queue,
          broker.peek(queue).map((message) => ({
            messageId: message.messageId,
            attributes: Object.fromEntries(
              Object.entries(message.attributes).map(([name, attribute]) => [name, attribute.StringValue]),
            ),
            body: parseJson(message.body),
          })),
        ]),
      ),
    );
    return true;
  }
  if (url.pathname === "/_local/events/log" && request.method === "GET") {
    json(
      200,
      Object.fromEntries(
        logGroups.map((group) => [
          group,
          bus.logEvents(group).map((entry) => ({ ...entry, message: parseJson(entry.message) })),
        ]),
      ),
    );
    return true;
  }
  return false;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
