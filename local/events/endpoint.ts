import { createServer, type Server } from "node:http";
import type { LocalEmulation } from "../emulations.ts";
import { EventBridgeRequestError, type LocalEventBus, type PutEventsEntry } from "./bus.ts";

export interface EventBridgeEndpoint {
  readonly url: string;
  /**
   * Makes the next `count` entries that `matches` fail with `errorCode` (e.g. `ThrottlingException`, or
   * `MalformedDetail` for a refused entry), as PutEvents reports per entry, so tests can see partial failures.
   */
  failEntries(matches: (entry: PutEventsEntry) => boolean, errorCode: string, count?: number): void;
  close(): Promise<void>;
}

/**
 * EventBridge's AWS JSON 1.1 protocol on 127.0.0.1, backed by the local bus: what the publisher's own
 * `EventBridgeClient` talks to through `AWS_ENDPOINT_URL_EVENTBRIDGE`. Serves PutEvents.
 */
export async function startEventBridgeEndpoint(bus: LocalEventBus, port = 0): Promise<EventBridgeEndpoint> {
  let failing = { matches: (_entry: PutEventsEntry) => false, errorCode: "", count: 0 };
  const server: Server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const reply = (status: number, body: unknown) => {
      response.writeHead(status, { "content-type": "application/x-amz-json-1.1" });
      response.end(JSON.stringify(body));
    };
    const action = String(request.headers["x-amz-target"] ?? "").replace("AWSEvents.", "");
    if (action !== "PutEvents")
      return reply(400, { __type: "UnknownOperationException", message: `${action} is not served locally` });
    try {
      const input = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as {
        Entries?: PutEventsEntry[];
      };
      const entries = input.Entries ?? [];
      const refused = entries.map((entry) => {
        if (failing.count <= 0 || !failing.matches(entry)) return false;
        failing.count -= 1;
        return true;
      });
      const accepted = bus.putEvents(entries.filter((_, index) => !refused[index]));
      const results = accepted.Entries[Symbol.iterator]();
      const Entries = refused.map((wasRefused) =>
        wasRefused
          ? { ErrorCode: failing.errorCode, ErrorMessage: `${failing.errorCode} (injected locally)` }
          : results.next().value,
      );
      reply(200, { FailedEntryCount: accepted.FailedEntryCount + refused.filter(Boolean).length, Entries });
    } catch (error) {
      if (error instanceof EventBridgeRequestError)
        return reply(400, { __type: error.type, message: error.message });
      reply(400, { __type: "ValidationException", message: (error as Error).message });
    }
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const { port: bound } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${bound}`,
    failEntries: (matches, errorCode, count = 1) => {
      failing = { matches, errorCode, count };
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** EventBridge for the runner: the stack's buses under their names, with their rules, targets and archives. */
export function eventBridgeEmulation(region: string, account: string): LocalEmulation {
  return {
    service: "EventBridge",
    references: {
      aws_cloudwatch_event_bus: (bus, attribute) => {
        const name = String(bus.values.name);
        if (attribute === "name") return name;
        if (attribute === "arn") return `arn:aws:events:${region}:${account}:event-bus/${name}`;
        return undefined;
      },
    },
    alsoServes: [
      "aws_cloudwatch_event_rule",
      "aws_cloudwatch_event_target",
      "aws_cloudwatch_event_archive",
      "aws_cloudwatch_event_connection",
      "aws_cloudwatch_event_api_destination",
      // The bus writes its log targets itself; the policy letting EventBridge do so has nothing to emulate.
      "aws_cloudwatch_log_resource_policy",
    ],
  };
}
