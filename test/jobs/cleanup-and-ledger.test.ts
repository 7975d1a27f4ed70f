import { randomUUID } from "node:crypto";
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import type { Context } from "aws-lambda";
import type { JobAnswer } from "../../handlers/jobs/scheduled-job.ts";
import { CONNECT_GRACE_MS, saveConnection } from "../../handlers/lib/connections.ts";
import { ALICE, lambdaContext } from "../support/events.ts";
import { type HandlerPeers, startHandlerPeers } from "../support/handler-environment.ts";

type JobHandler = (event: unknown, context: Context) => Promise<JobAnswer<unknown>>;

let peers: HandlerPeers;
let cleanup: JobHandler;

beforeAll(async () => {
  peers = await startHandlerPeers();
  ({ handler: cleanup } = (await import("../../handlers/jobs/cleanup.ts")) as { handler: JobHandler });
});

afterAll(async () => {
  await peers.close();
});

const occurrence = (scheduledTime: string) => ({ job: "cleanup", scheduledTime, attemptNumber: "0" });

/** Registers a connection as `$connect` does, `ageMs` ago. */
async function registered(connectionId: string, ageMs: number) {
  const openedAt = new Date(Date.now() - ageMs);
  const tokenExpiresAt = Math.floor(openedAt.getTime() / 1000) + 3600;
  await saveConnection({ connectionId, owner: ALICE, tokenExpiresAt }, openedAt, 10, async () => true);
}

async function row(connectionId: string) {
  return (
    await peers.documents.send(
      new GetCommand({ TableName: peers.tables.connections, Key: { connectionId }, ConsistentRead: true }),
    )
  ).Item;
}

async function socketsOfAlice(): Promise<string[]> {
  const item = await row(`owner#${ALICE}`);
  return [...((item?.sockets as Set<string> | undefined) ?? [])];
}

describe("the cleanup job", () => {
  it("forgets a connection @connections answers 410 for, keeps an open one and one still inside $connect", async () => {
    const live = await peers.websocket.connect();
    const gone = `gone-${randomUUID()}`;
    const connecting = `connecting-${randomUUID()}`;
    await registered(live.connectionId, 10 * 60_000);
    await registered(gone, 10 * 60_000);
    await registered(connecting, CONNECT_GRACE_MS / 3);

    const answer = await cleanup(occurrence("2026-12-06T03:00:00Z"), lambdaContext("crud-dev-job-cleanup"));

    expect(answer.status).toBe("done");
    expect(answer.status === "done" && answer.result).toMatchObject({ removed: 1, complete: true });
    expect(await row(gone)).toBeUndefined();
    expect(await row(live.connectionId)).toBeDefined();
    expect(await row(connecting)).toBeDefined();
    const sockets = await socketsOfAlice();
    expect(sockets.some((entry) => entry.includes(gone))).toBe(false);
    expect(sockets.some((entry) => entry.includes(live.connectionId))).toBe(true);
    live.socket.close();
  });

  it("does the work of one occurrence once, however often it is delivered", async () => {
    const first = `gone-${randomUUID()}`;
    await registered(first, 10 * 60_000);
    const window = "2026-12-07T03:00:00Z";
    const done = await cleanup(occurrence(window), lambdaContext());
    expect(done.status).toBe("done");

    const later = `gone-${randomUUID()}`;
    await registered(later, 10 * 60_000);
    const again = await cleanup(occurrence(window), lambdaContext());

    expect(again).toMatchObject({ status: "skipped", reason: "this window's work is done already" });
    // The second delivery did nothing: the connection that went away since is still there for the next day.
    expect(await row(later)).toBeDefined();
    const nextDay = await cleanup(occurrence("2026-12-08T03:00:00Z"), lambdaContext());
    expect(nextDay.status).toBe("done");
    expect(await row(later)).toBeUndefined();
  });

  it("gives a failed run's window back, so Scheduler's retry does the work", async () => {
    const window = "2026-12-09T03:00:00Z";
    const callbackUrl = process.env.WEBSOCKET_CALLBACK_URL;
    const gone = `gone-${randomUUID()}`;
    await registered(gone, 10 * 60_000);
    // A stand-in (the one mock here): @connections failing as in a brown-out of API Gateway, then recovering.
    const { websocketConnections } = await import("../../handlers/lib/websocket-client.ts");
    const client = websocketConnections();
    const send = client.send.bind(client);
    client.send = (() =>
      Promise.reject(Object.assign(new Error("unreachable"), { $fault: "server" }))) as never;
    try {
      await expect(cleanup(occurrence(window), lambdaContext())).rejects.toThrow("unreachable");
    } finally {
      client.send = send;
    }
    expect(process.env.WEBSOCKET_CALLBACK_URL).toBe(callbackUrl);
    const retried = await cleanup({ ...occurrence(window), attemptNumber: "1" }, lambdaContext());
    expect(retried.status).toBe("done");
    expect(await row(gone)).toBeUndefined();
  });

  it("refuses an input that is not a schedule's, naming what is wrong", async () => {
    await expect(cleanup({ job: "cleanup", scheduledTime: "yesterday" }, lambdaContext())).rejects.toThrow(
      /input is not a schedule's: scheduledTime/,
    );
    await expect(
      cleanup({ job: "report", scheduledTime: "2026-12-06T03:00:00Z" }, lambdaContext()),
    ).rejects.toThrow("This function runs the cleanup job, but the schedule asked for report");
  });
});
