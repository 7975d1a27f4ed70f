import { execFileSync } from "node:child_process";
import WebSocket from "ws";
import { dev } from "../../environments/dev.ts";
import {
  outcomeOf,
  type RunningService,
  request,
  startLocalService,
  waitFor,
} from "../../local/service-client.ts";

const stats = async (service: RunningService) =>
  (await fetch(`${service.restUrl}/_local/stats`)).json() as Promise<{
    sent: number;
    deleted: number;
    deadLettered: number;
  }>;

describe("npm run local, black-box", () => {
  let service: RunningService;
  beforeAll(async () => {
    service = await startLocalService();
  }, 90_000);
  afterAll(async () => {
    await service?.stop();
  });

  it("carries an item through create, read, update, list and delete, with every outcome pushed over the WebSocket", async () => {
    const created = await request(service, "POST", "/items", { name: "Lamp", description: "Brass" });
    expect(created).toMatchObject({ status: 202, json: { message: "Item creation request received" } });
    const creation = await outcomeOf(service, String(created.json.requestId));
    expect(creation).toMatchObject({
      operation: "create",
      status: "success",
      result: { name: "Lamp", description: "Brass" },
    });
    const id = String((creation.result as { id: string }).id);

    const read = await outcomeOf(
      service,
      String((await request(service, "GET", `/items/${id}`)).json.requestId),
    );
    expect(read).toMatchObject({ operation: "get", status: "success", result: { id, name: "Lamp" } });

    const updated = await outcomeOf(
      service,
      String((await request(service, "PUT", `/items/${id}`, { name: "Desk lamp" })).json.requestId),
    );
    expect(updated).toMatchObject({
      operation: "update",
      status: "success",
      result: { id, name: "Desk lamp", description: "Brass" },
    });

    const listed = await outcomeOf(
      service,
      String((await request(service, "GET", "/items?limit=100")).json.requestId),
    );
    expect((listed.result as { items: Array<{ id: string }> }).items.map((item) => item.id)).toContain(id);

    const deleted = await outcomeOf(
      service,
      String((await request(service, "DELETE", `/items/${id}`)).json.requestId),
    );
    expect(deleted).toMatchObject({ operation: "delete", status: "success", result: { id, deleted: true } });

    const gone = await outcomeOf(
      service,
      String((await request(service, "GET", `/items/${id}`)).json.requestId),
    );
    expect(gone).toMatchObject({ status: "error", error: { code: "NOT_FOUND" } });
  });

  it("gives a client that connects after completion the outcome, as does polling", async () => {
    const { json } = await request(service, "POST", "/items", { name: "Late" });
    const requestId = String(json.requestId);
    const polled = await waitFor(
      async () => {
        const answer = await request(service, "GET", `/requests/${requestId}`);
        return answer.status === 200 ? answer.json : undefined;
      },
      10_000,
      "the stored outcome",
    );
    expect(polled).toMatchObject({ requestId, status: "success" });

    expect(await outcomeOf(service, requestId)).toEqual(polled);
  });

  it("answers bad input with 400 JSON and queues nothing", async () => {
    const before = await stats(service);
    const answers = [
      await request(service, "POST", "/items", { description: "no name" }),
      await request(service, "POST", "/items", { name: "x", extra: true }),
      await request(service, "POST", "/items", "{not json"),
      await request(service, "PUT", "/items/not-a-uuid", { name: "x" }),
      await request(service, "GET", "/items?limit=1000"),
      await request(service, "GET", "/requests/not%20an%20id"),
    ];
    for (const answer of answers) {
      expect(answer.status).toBe(400);
      expect(typeof answer.json.error).toBe("string");
    }
    expect(answers[3]?.json.error).toBe("id: must be a UUID");
    expect((await stats(service)).sent).toBe(before.sent);
  });

  it("refuses a WebSocket without a token with 401, and a malformed request id to narrow to with 400", async () => {
    const statusOf = (query: string) =>
      new Promise<number>((resolve) => {
        const socket = new WebSocket(`${service.websocketUrl}/${query}`);
        socket.on("unexpected-response", (_, response) => resolve(response.statusCode ?? 0));
        socket.on("open", () => {
          socket.close();
          resolve(101);
        });
      });
    expect(await statusOf("")).toBe(401);
    expect(await statusOf(`?token=${service.token}&requestId=${encodeURIComponent("1 OR 1=1")}`)).toBe(400);
    expect(await statusOf(`?token=${service.token}`)).toBe(101);
  });
});

describe("npm run local with a failing handler", () => {
  let service: RunningService;
  beforeAll(async () => {
    // Visibility timeouts at 1/100 of the stack's (65 s -> 0.65 s), so retries happen within the test.
    service = await startLocalService(["--inject-fault", "items-create", "--time-scale", "0.01"]);
  }, 90_000);
  afterAll(async () => {
    await service?.stop();
  });

  it("retries each message, then moves it to the DLQ after the stack's receive count: every message is accounted for", async () => {
    const sent = 5;
    for (let index = 0; index < sent; index += 1) {
      expect((await request(service, "POST", "/items", { name: `Doomed ${index}` })).status).toBe(202);
    }
    const dlq = await waitFor(
      async () => {
        const listing = (await (await fetch(`${service.restUrl}/_local/dlq`)).json()) as {
          count: number;
          messages: Array<{
            messageId: string;
            cause: string;
            receiveCount: number;
            source: string;
            attributes: { operation: { StringValue: string } };
          }>;
        };
        return listing.count === sent ? listing : undefined;
      },
      30_000,
      "every message in the DLQ",
    );
    for (const message of dlq.messages) {
      expect(message.receiveCount).toBe(dev.queues.maxReceiveCount);
      expect(message.cause).toBe("invocation failed: crud-dev-items-create: injected fault");
      expect(message.source).toMatch(/:crud-dev-create$/);
      expect(message.attributes.operation.StringValue).toBe("create");
    }
    const counters = await stats(service);
    const processed = counters.deleted;
    expect(processed + dlq.count).toBe(sent);
    expect(service.output()).toMatch(/invocation failed: crud-dev-items-create: injected fault/);

    // The operator's commands, against the running service.
    const port = new URL(service.restUrl).port;
    const cli = (command: string) =>
      JSON.parse(
        execFileSync(
          "node",
          ["--no-warnings", "scripts/run-ts.mjs", "local/main.ts", "dlq", command, "--rest-port", port],
          { encoding: "utf8" },
        ),
      );
    expect(cli("list")).toMatchObject({ queue: "crud-dev-dlq", count: sent });
    expect(cli("redrive")).toMatchObject({
      Status: "COMPLETED",
      ApproximateNumberOfMessagesMoved: sent,
      ApproximateNumberOfMessagesToMove: sent,
    });
    // Still failing, they come back to the DLQ; a redrive gives them new message ids, as SQS's does.
    const again = await waitFor(
      async () => {
        const listing = cli("list") as { count: number; messages: Array<{ messageId: string }> };
        return listing.count === sent ? listing : undefined;
      },
      30_000,
      "the redriven messages back in the DLQ",
    );
    const firstIds = new Set(dlq.messages.map((message) => message.messageId));
    expect(again.messages.some((message) => firstIds.has(message.messageId))).toBe(false);
  });
});
