import type { BusEvent } from "./bus.ts";

export const EVENTS_USAGE = `       npm run local -- events tail [--format json]          watch the running runner's event bus
       npm run local -- events replay [--since <time>] [--rule <name>]   replay its archive (all rules by default)
       npm run local -- events dead-letters                  what the event pipeline set aside
       npm run local -- events log                           the audit log group`;

export interface EventsCommand {
  readonly command: string | undefined;
  readonly restPort: number;
  readonly since?: string;
  readonly rule?: string;
  readonly format: string;
}

/** `npm run local -- events ...`: talks to the running runner on its REST port. */
export async function eventsCommand(options: EventsCommand): Promise<void> {
  const base = `http://127.0.0.1:${options.restPort}/_local/events`;
  const print = async (response: Response) => console.log(JSON.stringify(await response.json(), null, 2));
  switch (options.command) {
    case "tail":
      return tail(base, options.format === "json" ? (event) => JSON.stringify(event) : summary);
    case "replay": {
      const query = new URLSearchParams();
      if (options.since) query.set("since", options.since);
      if (options.rule) query.set("rule", options.rule);
      return print(await fetch(`${base}/replay?${query}`, { method: "POST" }));
    }
    case "dead-letters":
      return print(await fetch(`${base}/dead-letters`));
    case "log":
      return print(await fetch(`${base}/log`));
    default:
      throw new Error(`usage:\n${EVENTS_USAGE}`);
  }
}

/** Prints each event put on the bus from now on, until interrupted. */
async function tail(url: string, format: (event: BusEvent) => string): Promise<void> {
  const response = await fetch(url).catch((error: Error) => {
    throw new Error(`no runner answers at ${url} (${error.message}); start it with npm run local`);
  });
  if (!response.ok || !response.body) throw new Error(`${url} answered ${response.status}`);
  console.error(`watching the event bus at ${url} (Ctrl-C to stop)`);
  const decoder = new TextDecoder();
  let pending = "";
  for await (const chunk of response.body) {
    pending += decoder.decode(chunk as Uint8Array, { stream: true });
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) if (line.trim()) console.log(format(JSON.parse(line) as BusEvent));
  }
}

/** One line per event: when, what, which item at which version, and what changed. */
export function summary(event: BusEvent): string {
  const detail = (event.detail ?? {}) as {
    itemId?: string;
    version?: number;
    changes?: Record<string, { before?: unknown; after?: unknown }>;
  };
  const changes = Object.entries(detail.changes ?? {})
    .map(([field, change]) => {
      const side = (value: unknown) => (value === undefined ? "-" : JSON.stringify(value));
      return `${field}: ${side(change.before)} -> ${side(change.after)}`;
    })
    .join(", ");
  const replay = event["replay-name"] ? ` (replay ${event["replay-name"]})` : "";
  return `${event.time} ${event["detail-type"]} ${detail.itemId ?? event.source} v${detail.version ?? "?"}${replay}  ${changes}`;
}
