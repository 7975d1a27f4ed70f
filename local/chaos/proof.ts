import { get as httpGet, type IncomingMessage } from "node:http";
import { DynamoDBDocumentClient, ScanCommand } from "@aws-sdk/lib-dynamodb";
import { localClient } from "../dynamodb.ts";
import { type RunningService, request, subscribe, tokenFor } from "../service-client.ts";

/**
 * The proof that nothing is lost, duplicated or resurrected under what AWS may do: many users, each with one
 * socket opened before they send anything, create items, update each a few times in quick succession (so the
 * updates race each other through the queue), delete some and list, against a runner started with `--chaos`.
 * Then the stored state and every user's outcomes are checked against what was asked, and every stored change
 * against the domain events on the bus: one event per version of every item, none for a change never stored.
 */
export interface ProofOptions {
  readonly users: number;
  readonly itemsPerUser: number;
  readonly updatesPerItem: number;
  /** How long to wait for every outcome after the last command was accepted. */
  readonly settleMs: number;
}

export interface ProofReport {
  commandsSent: number;
  /** Outcomes that reached the socket their user opened before sending. */
  outcomesReceived: number;
  outcomesStored: number;
  /** Accepted commands whose outcome never reached their user. */
  lost: number;
  /** Creates that left more than one item. */
  itemsDuplicated: number;
  /** Items whose delete succeeded, live again. */
  itemsResurrected: number;
  /** Items whose stored name is not that of their newest successful update. */
  staleOverwrites: number;
  /** Distinct item events on the bus (by idempotency key), and deliveries of a key already seen (at-least-once). */
  eventsPublished: number;
  eventsRepeated: number;
  /** Versions of stored items with no event, and events of versions no item reached. */
  eventsMissing: number;
  eventsPhantom: number;
  outcomesByStatus: Record<string, number>;
  deadLetters: number;
  deadLettersByCause: Record<string, number>;
  chaos: Record<string, number>;
  seconds: number;
}

interface Sent {
  readonly requestId: string;
  readonly kind: "create" | "update" | "delete" | "list";
  readonly name?: string;
  readonly itemId?: string;
  readonly sequence: number;
}

interface User {
  readonly service: RunningService;
  readonly sent: Sent[];
  readonly outcomes: Map<string, Record<string, unknown>>;
  readonly waiting: Map<string, () => void>;
}

async function signIn(service: RunningService, name: string): Promise<User> {
  const user: User = {
    service: { ...service, token: await tokenFor(service, name) },
    sent: [],
    outcomes: new Map(),
    waiting: new Map(),
  };
  // $connect can fail like any invocation (a 500): a client tries again, as the web client does.
  let subscription: Awaited<ReturnType<typeof subscribe>> | undefined;
  for (let attempt = 1; !subscription; attempt += 1) {
    subscription = await subscribe(user.service).catch((error: Error) => {
      if (attempt >= 10) throw error;
      return new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 100 * attempt));
    });
  }
  const { socket } = subscription;
  socket.on("message", (data) => {
    const frame = JSON.parse(String(data)) as Record<string, unknown>;
    if (frame.type !== "notification") return;
    const requestId = String(frame.requestId);
    user.outcomes.set(requestId, frame);
    user.waiting.get(requestId)?.();
  });
  return user;
}

let sequence = 0;

async function send(
  user: User,
  method: string,
  path: string,
  body: unknown,
  sent: Omit<Sent, "requestId" | "sequence">,
) {
  const answer = await request(user.service, method, path, body);
  if (answer.status !== 202)
    throw new Error(`${method} ${path} answered ${answer.status}: ${JSON.stringify(answer.json)}`);
  const entry: Sent = { ...sent, requestId: String(answer.json.requestId), sequence: sequence++ };
  user.sent.push(entry);
  return entry;
}

function outcomeOf(
  user: User,
  requestId: string,
  timeoutMs: number,
): Promise<Record<string, unknown> | undefined> {
  const arrived = user.outcomes.get(requestId);
  if (arrived) return Promise.resolve(arrived);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), timeoutMs);
    user.waiting.set(requestId, () => {
      clearTimeout(timer);
      resolve(user.outcomes.get(requestId));
    });
  });
}

/** One user's work: items created one by one, each updated in a burst, every other one deleted, a list now and then. */
async function work(user: User, userIndex: number, options: ProofOptions): Promise<void> {
  for (let itemIndex = 0; itemIndex < options.itemsPerUser; itemIndex += 1) {
    const name = `u${userIndex}-item${itemIndex}`;
    const created = await send(user, "POST", "/items", { name }, { kind: "create", name });
    const outcome = await outcomeOf(user, created.requestId, options.settleMs);
    const itemId = (outcome?.result as { id?: string } | undefined)?.id;
    if (!itemId) continue;
    // Sent back to back without waiting for outcomes, so the queue may deliver them in any order and more than
    // once. Each waits for the previous one's 202 and a millisecond more: the API orders changes by the time it
    // accepted them (to the millisecond), so two updates accepted in the same millisecond have no order to check.
    for (let version = 1; version <= options.updatesPerItem; version += 1) {
      const updated = `${name}-v${version}`;
      await send(
        user,
        "PUT",
        `/items/${itemId}`,
        { name: updated },
        { kind: "update", name: updated, itemId },
      );
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    if (itemIndex % 2 === 1)
      await send(user, "DELETE", `/items/${itemId}`, undefined, { kind: "delete", itemId });
    if (itemIndex % 3 === 2) await send(user, "GET", "/items?limit=10", undefined, { kind: "list" });
  }
}

export async function runChaosProof(service: RunningService, options: ProofOptions): Promise<ProofReport> {
  const started = performance.now();
  const events = await watchEvents(service);
  const users = await Promise.all(
    Array.from({ length: options.users }, (_, index) => signIn(service, `proof-${index}`)),
  );
  await Promise.all(users.map((user, index) => work(user, index, options)));
  const all = users.flatMap((user) => user.sent.map((sent) => ({ user, sent })));
  await Promise.all(all.map(({ user, sent }) => outcomeOf(user, sent.requestId, options.settleMs)));

  const dynamo = DynamoDBDocumentClient.from(
    localClient(/DynamoDB\s+(http:\/\/\S+)/.exec(service.output())?.[1] ?? ""),
  );
  const scan = async (table: string) => {
    const rows: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await dynamo.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start }));
      rows.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    return rows;
  };
  const [items, requests] = [await scan("crud-dev-items"), await scan("crud-dev-requests")];
  dynamo.destroy();

  const requestIds = new Set(all.map(({ sent }) => sent.requestId));
  const report: ProofReport = {
    commandsSent: all.length,
    outcomesReceived: all.filter(({ user, sent }) => user.outcomes.has(sent.requestId)).length,
    outcomesStored: requests.filter((row) => requestIds.has(String(row.requestId))).length,
    lost: all.filter(({ user, sent }) => !user.outcomes.has(sent.requestId)).length,
    itemsDuplicated: 0,
    itemsResurrected: 0,
    staleOverwrites: 0,
    eventsPublished: 0,
    eventsRepeated: 0,
    eventsMissing: 0,
    eventsPhantom: 0,
    outcomesByStatus: {},
    deadLetters: 0,
    deadLettersByCause: {},
    chaos: {},
    seconds: 0,
  };
  for (const { user, sent } of all) {
    const outcome = user.outcomes.get(sent.requestId);
    const status = outcome
      ? `${sent.kind} ${outcome.status}${outcome.error ? ` ${(outcome.error as { code: string }).code}` : ""}`
      : `${sent.kind} lost`;
    report.outcomesByStatus[status] = (report.outcomesByStatus[status] ?? 0) + 1;
  }

  const created = all.filter(({ sent }) => sent.kind === "create");
  const byName = new Map<string, number>();
  for (const item of items)
    if (item.name)
      byName.set(
        String(item.name).replace(/-v\d+$/, ""),
        (byName.get(String(item.name).replace(/-v\d+$/, "")) ?? 0) + 1,
      );
  report.itemsDuplicated = created.filter(({ sent }) => (byName.get(String(sent.name)) ?? 0) > 1).length;

  const stored = new Map(items.map((item) => [String(item.id), item]));
  for (const user of users) {
    const byItem = new Map<string, Sent[]>();
    for (const sent of user.sent)
      if (sent.itemId) byItem.set(sent.itemId, [...(byItem.get(sent.itemId) ?? []), sent]);
    for (const [itemId, commands] of byItem) {
      const item = stored.get(itemId);
      const succeeded = (sent: Sent) => user.outcomes.get(sent.requestId)?.status === "success";
      const deleted = commands.some((sent) => sent.kind === "delete" && succeeded(sent));
      if (deleted && item && !item.deleted_at) report.itemsResurrected += 1;
      if (deleted || !item || item.deleted_at) continue;
      const newest = commands
        .filter((sent) => sent.kind === "update" && succeeded(sent))
        .sort((a, b) => b.sequence - a.sequence)[0];
      if (newest && item.name !== newest.name) report.staleOverwrites += 1;
    }
  }

  // Every stored version of every item this proof touched, against the events of those items.
  const versions = new Map<string, number>();
  for (const item of items)
    if (users.some((user) => user.sent.some((sent) => sent.itemId === item.id)))
      versions.set(String(item.id), Number(item.version));
  const expected = [...versions].reduce((sum, [, version]) => sum + version, 0);
  const seen = await events.settle(() => events.distinct(versions) >= expected, options.settleMs);
  report.eventsPublished = seen.keys.size;
  report.eventsRepeated = seen.repeated;
  for (const [itemId, version] of versions)
    for (let v = 1; v <= version; v += 1) if (!seen.versions.has(`${itemId}#${v}`)) report.eventsMissing += 1;
  for (const key of seen.versions) {
    const [itemId = "", version] = key.split("#");
    if (versions.has(itemId) && Number(version) > (versions.get(itemId) ?? 0)) report.eventsPhantom += 1;
  }

  const dlq = (await (await fetch(`${service.restUrl}/_local/dlq`)).json()) as {
    count: number;
    messages: Array<{ cause?: string }>;
  };
  report.deadLetters = dlq.count;
  for (const message of dlq.messages) {
    const cause = (message.cause ?? "unknown").replace(/[0-9a-f-]{36}/g, "<id>");
    report.deadLettersByCause[cause] = (report.deadLettersByCause[cause] ?? 0) + 1;
  }
  report.chaos = (
    (await (await fetch(`${service.restUrl}/_local/stats`)).json()) as { chaos: Record<string, number> }
  ).chaos;
  report.seconds = Math.round((performance.now() - started) / 100) / 10;
  return report;
}

/** The runner's event tail (`/_local/events`), kept from before the first command until the proof settles. */
async function watchEvents(service: RunningService) {
  const keys = new Set<string>();
  const versions = new Set<string>();
  let repeated = 0;
  const response = await new Promise<IncomingMessage>((resolve, reject) =>
    httpGet(`${service.restUrl}/_local/events`, resolve).once("error", reject),
  );
  let pending = "";
  response.setEncoding("utf8");
  response.on("data", (chunk: string) => {
    pending += chunk;
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines.filter(Boolean)) {
      const event = JSON.parse(line) as {
        detail?: { idempotencyKey?: string; itemId?: string; version?: number };
      };
      const key = String(event.detail?.idempotencyKey);
      if (keys.has(key)) repeated += 1;
      keys.add(key);
      versions.add(`${event.detail?.itemId}#${event.detail?.version}`);
    }
  });
  return {
    distinct: (of: ReadonlyMap<string, number>) =>
      [...versions].filter((key) => of.has(key.split("#")[0] ?? "")).length,
    /** Waits until `done` (or `timeoutMs`), then stops watching and says what it saw. */
    async settle(done: () => boolean, timeoutMs: number) {
      for (const deadline = Date.now() + timeoutMs; !done() && Date.now() < deadline; )
        await new Promise((resolve) => setTimeout(resolve, 100));
      response.destroy();
      return { keys, versions, repeated };
    },
  };
}
