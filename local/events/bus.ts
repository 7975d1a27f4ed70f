import { randomUUID } from "node:crypto";
import { EventEmitter } from "node:events";
import { compileEventPattern } from "../../environments/event-pattern.ts";
import { PUT_EVENTS_MAX_BYTES, putEventsEntrySize } from "../../handlers/item-events/contract.ts";
import type { EventBusModel, TargetModel } from "../../synthesized/event-bus-model.ts";
import type { StringAttribute } from "../sqs/md5.ts";
import { type AttemptResult, type BusEvent, callApiDestination, TargetDelivery } from "./delivery.ts";

export type { BusEvent } from "./delivery.ts";

/** One PutEvents entry as the AWS JSON protocol carries it (`Time` in epoch seconds). */
export interface PutEventsEntry {
  readonly Source?: string;
  readonly DetailType?: string;
  readonly Detail?: string;
  readonly EventBusName?: string;
  readonly Time?: number;
  readonly Resources?: readonly string[];
}

export type PutEventsResultEntry = { EventId: string } | { ErrorCode: string; ErrorMessage: string };

export interface LocalEventBusOptions {
  readonly region: string;
  readonly account: string;
  /** Sends a message to one of the stack's queues (dead-letter queues of targets). */
  readonly deadLetter: (queue: string, body: string, attributes: Record<string, StringAttribute>) => void;
  readonly log: (line: string) => void;
  readonly timeScale?: number;
  /** Where a webhook is really delivered, by API destination name: the runner's --webhook-url. */
  readonly endpointOverrides?: Readonly<Record<string, string>>;
  readonly now?: () => number;
}

/** Log events kept per log group: enough to read back, bounded so a long run does not grow without end. */
const LOG_GROUP_KEPT = 10_000;

interface Route {
  readonly ruleName: string;
  readonly ruleArn: string;
  readonly matches: (event: unknown) => boolean;
  readonly deliveries: readonly TargetDelivery[];
}

interface Archive {
  readonly name: string;
  readonly matches: (event: unknown) => boolean;
  readonly retentionMs: number;
  readonly events: Array<{ readonly at: number; readonly event: BusEvent }>;
}

/**
 * EventBridge for the runner: custom buses with the stack's rules, patterns matched as EventBridge matches them,
 * targets (API destinations over HTTP, CloudWatch Logs groups in memory) with their retry policies and dead-letter
 * queues, and archives that keep matching events for their retention and replay them with `replay-name`. Emits
 * `event` for every event put on a bus, which `npm run local -- events tail` shows.
 */
export class LocalEventBus extends EventEmitter {
  private readonly buses = new Map<string, { routes: Route[]; archives: Archive[] }>();
  private readonly logGroups = new Map<string, Array<{ timestamp: number; message: string }>>();
  private replays = 0;
  readonly counters = { put: 0, matched: 0, archived: 0, replayed: 0 };

  constructor(
    models: readonly EventBusModel[],
    private readonly options: LocalEventBusOptions,
  ) {
    super();
    for (const model of models) {
      const routes = model.rules
        .filter((rule) => rule.enabled)
        .map((rule): Route => {
          const ruleArn = this.arn(`rule/${model.name}/${rule.name}`);
          return {
            ruleName: rule.name,
            ruleArn,
            matches: compileEventPattern(rule.eventPattern),
            deliveries: rule.targets.flatMap((target) => this.delivery(target, ruleArn)),
          };
        });
      const archives = model.archives.map(
        (archive): Archive => ({
          name: archive.name,
          matches: archive.eventPattern ? compileEventPattern(archive.eventPattern) : () => true,
          retentionMs: (archive.retentionDays ?? Number.POSITIVE_INFINITY) * 86_400_000,
          events: [],
        }),
      );
      this.buses.set(model.name, { routes, archives });
    }
  }

  busNames(): string[] {
    return [...this.buses.keys()];
  }

  /** PutEvents: validates each entry as EventBridge does, then archives and routes the accepted ones. */
  putEvents(entries: readonly PutEventsEntry[]): {
    FailedEntryCount: number;
    Entries: PutEventsResultEntry[];
  } {
    if (entries.length < 1 || entries.length > 10)
      throw new EventBridgeRequestError("ValidationException", "Entries must hold 1 to 10 entries");
    const size = entries.reduce((sum, entry) => sum + putEventsEntrySize(entry), 0);
    if (size > PUT_EVENTS_MAX_BYTES)
      throw new EventBridgeRequestError(
        "ValidationException",
        `Total size of the entries in the request is over the limit (${size} bytes, at most ${PUT_EVENTS_MAX_BYTES})`,
      );
    const results = entries.map((entry) => this.accept(entry));
    return {
      FailedEntryCount: results.filter((result) => "ErrorCode" in result).length,
      Entries: results,
    };
  }

  /** Archived events of a bus (all buses when unnamed), oldest first. */
  archived(busName?: string): BusEvent[] {
    return [...this.buses.entries()]
      .filter(([name]) => busName === undefined || name === busName)
      .flatMap(([, bus]) => bus.archives.flatMap((archive) => archive.events.map((stored) => stored.event)));
  }

  /**
   * Replays archived events put between `from` and `to` (ms) to the rules named (all when none), as
   * StartReplay does: each carries `replay-name`, keeps its id-independent detail, and is not archived again.
   */
  replay(options: { from?: number; to?: number; rules?: readonly string[] } = {}): {
    name: string;
    count: number;
  } {
    const name = `local-replay-${++this.replays}`;
    let count = 0;
    for (const bus of this.buses.values()) {
      const routes = bus.routes.filter(
        (route) => !options.rules?.length || options.rules.includes(route.ruleName),
      );
      for (const archive of bus.archives) {
        for (const { at, event } of archive.events) {
          if (at < (options.from ?? 0) || at > (options.to ?? Number.POSITIVE_INFINITY)) continue;
          const replayed: BusEvent = { ...event, id: randomUUID(), "replay-name": name };
          this.emit("event", replayed);
          this.route(replayed, routes);
          count += 1;
        }
      }
    }
    this.counters.replayed += count;
    return { name, count };
  }

  /** What a CloudWatch Logs target wrote, oldest first. */
  logEvents(logGroup: string): ReadonlyArray<{ timestamp: number; message: string }> {
    return this.logGroups.get(logGroup) ?? [];
  }

  deliveryCounters() {
    const totals = { attempts: 0, delivered: 0, retried: 0, deadLettered: 0, dropped: 0 };
    for (const bus of this.buses.values())
      for (const route of bus.routes)
        for (const delivery of route.deliveries)
          for (const key of Object.keys(totals) as Array<keyof typeof totals>)
            totals[key] += delivery.counters[key];
    return totals;
  }

  close(): void {
    for (const bus of this.buses.values())
      for (const route of bus.routes) for (const d of route.deliveries) d.close();
    this.removeAllListeners();
  }

  private accept(entry: PutEventsEntry): PutEventsResultEntry {
    const refuse = (ErrorCode: string, ErrorMessage: string) => ({ ErrorCode, ErrorMessage });
    for (const field of ["Source", "DetailType", "Detail"] as const)
      if (!entry[field])
        return refuse(
          "InvalidArgument",
          `Parameter ${field} is not valid. Reason: ${field} is a required argument.`,
        );
    let detail: unknown;
    try {
      detail = JSON.parse(String(entry.Detail));
    } catch {
      return refuse("MalformedDetail", "Detail is malformed.");
    }
    if (typeof detail !== "object" || detail === null || Array.isArray(detail))
      return refuse("MalformedDetail", "Detail is malformed.");
    const busName = entry.EventBusName?.split("/").pop() || "default";
    const bus = this.buses.get(busName);
    if (!bus) return refuse("ResourceNotFoundException", `Event bus ${busName} does not exist.`);
    const now = (this.options.now ?? Date.now)();
    const event: BusEvent = {
      version: "0",
      id: randomUUID(),
      "detail-type": String(entry.DetailType),
      source: String(entry.Source),
      account: this.options.account,
      // EventBridge keeps the event's time to the second.
      time: new Date(Math.floor(entry.Time === undefined ? now / 1000 : entry.Time) * 1000)
        .toISOString()
        .replace(/\.\d{3}Z$/, "Z"),
      region: this.options.region,
      resources: [...(entry.Resources ?? [])],
      detail,
    };
    this.counters.put += 1;
    this.emit("event", event);
    for (const archive of bus.archives) {
      while (archive.events.length > 0 && (archive.events[0]?.at ?? now) < now - archive.retentionMs)
        archive.events.shift();
      if (archive.matches(event)) {
        archive.events.push({ at: now, event });
        this.counters.archived += 1;
      }
    }
    this.route(event, bus.routes);
    return { EventId: event.id };
  }

  private route(event: BusEvent, routes: readonly Route[]): void {
    for (const route of routes) {
      if (!route.matches(event)) continue;
      this.counters.matched += 1;
      for (const delivery of route.deliveries) delivery.deliver(event);
    }
  }

  private delivery(target: TargetModel, ruleArn: string): TargetDelivery[] {
    const { destination } = target;
    const context = {
      ruleArn,
      deadLetter: this.options.deadLetter,
      log: this.options.log,
      timeScale: this.options.timeScale ?? 1,
      ...(this.options.now ? { now: this.options.now } : {}),
    };
    if (destination.kind === "log-group") {
      const write = async (event: BusEvent): Promise<AttemptResult> => {
        const events = this.logGroups.get(destination.logGroup) ?? [];
        events.push({ timestamp: Date.parse(event.time), message: JSON.stringify(event) });
        if (events.length > LOG_GROUP_KEPT) events.shift();
        this.logGroups.set(destination.logGroup, events);
        return { ok: true };
      };
      const targetArn = this.arn(`log-group:${destination.logGroup}`).replace(":events:", ":logs:");
      return [new TargetDelivery(target, write, { ...context, targetArn })];
    }
    if (destination.kind === "api-destination") {
      const api = destination.apiDestination;
      const endpoint = this.options.endpointOverrides?.[api.name] ?? api.endpoint;
      const headers =
        api.authorization.type === "API_KEY"
          ? { [api.authorization.headerName]: api.authorization.value }
          : {
              authorization: `Basic ${Buffer.from(`${api.authorization.username}:${api.authorization.password}`).toString("base64")}`,
            };
      const call = (event: BusEvent) =>
        callApiDestination({ endpoint, method: api.httpMethod, headers }, event);
      const targetArn = this.arn(`api-destination/${api.name}`);
      return [new TargetDelivery(target, call, { ...context, targetArn }, api.rateLimitPerSecond)];
    }
    this.options.log(
      `events: target ${target.id} (${destination.arn}) of ${ruleArn} is not emulated; its events go nowhere`,
    );
    return [];
  }

  private arn(resource: string): string {
    return `arn:aws:events:${this.options.region}:${this.options.account}:${resource}`;
  }
}

/** A whole PutEvents request refused, as EventBridge answers with a 400 and an error type. */
export class EventBridgeRequestError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
    this.name = type;
  }
}
