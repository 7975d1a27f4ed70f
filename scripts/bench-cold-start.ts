import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, request as httpRequest } from "node:http";
import path from "node:path";
import { GetItemCommand } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, PutCommand, ScanCommand } from "@aws-sdk/lib-dynamodb";
import { HANDLER_NAMES, type HandlerName } from "../handlers/catalogue.ts";
import { itemIdFor } from "../handlers/items/repository.ts";
import { cognitoEmulation, type LocalIdentityServer, startIdentityServer } from "../local/cognito/server.ts";
import { LocalUserPool, readAppClients } from "../local/cognito/user-pool.ts";
import { createTables, dynamoEmulation, localClient, startDynamo } from "../local/dynamodb.ts";
import { LocalStreams } from "../local/dynamodb-streams/streams.ts";
import { type LocalEmulation, resolveEnvironment } from "../local/emulations.ts";
import { LocalEventBus } from "../local/events/bus.ts";
import { eventBridgeEmulation, startEventBridgeEndpoint } from "../local/events/endpoint.ts";
import { startJobs } from "../local/jobs/runner.ts";
import { localBuckets, s3Emulation } from "../local/s3/emulation.ts";
import { type S3Endpoint, startS3Endpoint } from "../local/s3/endpoint.ts";
import { NotificationDelivery, readBucketNotifications } from "../local/s3/notifications.ts";
import { type RunningService, startLocalService } from "../local/service-client.ts";
import { SqsBroker, type StoredMessage } from "../local/sqs/broker.ts";
import { sqsEmulation, startSqsEndpoint } from "../local/sqs/endpoint.ts";
import { LOCAL_ACCOUNT_ID } from "../local/sqs/queue-attributes.ts";
import { websocketEmulation } from "../local/websocket/server.ts";
import { readEventBuses, readStreamedTables } from "../synthesized/event-bus-model.ts";
import { readStackModel, type StackModel } from "../synthesized/service-model.ts";
import type { StackJson } from "../synthesized/stack-json.ts";
import { ACCEPTED_AT, commandBody, sqsEvent, sqsRecord, websocketEvent } from "../test/support/events.ts";
import { startWebSocketPeer, type WebSocketPeer } from "../test/support/websocket-peer.ts";
import { median } from "./median.ts";

// `node scripts/run-ts.mjs scripts/bench-cold-start.ts --stack <dev cdk.tf.json> --set after=<bundles>
// [--set before=<bundles>] [--runs 10] [--warm 5] [--json <file>] [--usage-json <file>]`, run by `npm run bench`:
// each function's cold start as Lambda pays it. Per sample, a fresh Node.js process imports the function's bundle
// and serves its first event against local
// peers (dynalite, the runner's SQS endpoint, a WebSocket `@connections` peer), then `--warm` more events.
// The sets are interleaved sample by sample, so drift on a noisy machine hits them alike. Every invocation's
// work is checked (outcome `success`, frames delivered), so a broken scenario fails instead of timing an error
// path. Also records what each invocation does: DynamoDB calls and capacity, SQS messages and bytes,
// `@connections` posts and bytes, log bytes: the per-request figures `npm run cost` prices.

const argument = (name: string): string[] =>
  process.argv.flatMap((value, index) => (process.argv[index - 1] === `--${name}` ? [value] : []));
const positive = (name: string, fallback: number) => {
  const value = Number(argument(name)[0] ?? fallback);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer`);
  return value;
};
const RUNS = positive("runs", 10);
const WARM = positive("warm", 5);
/**
 * `--only <function>` (repeatable): measure these functions alone, and in `--usage-json` replace only their entries,
 * keeping the others' figures (for a new function, without re-measuring every other on a busy machine).
 */
const ONLY = argument("only") as HandlerName[];
const unknownOnly = ONLY.filter((name) => !(HANDLER_NAMES as readonly string[]).includes(name));
if (unknownOnly.length > 0) throw new Error(`--only: no function ${unknownOnly.join(", ")}`);
const MEASURED_NAMES = ONLY.length > 0 ? ONLY : HANDLER_NAMES;
const stackFile = argument("stack")[0];
const sets = argument("set").map((value) => {
  const [label, folder] = value.split("=");
  if (!label || !folder) throw new Error(`--set must be label=<bundles folder>, got ${value}`);
  return { label, folder: path.resolve(folder) };
});
if (!stackFile || sets.length === 0)
  throw new Error("usage: bench-cold-start.ts --stack <dev cdk.tf.json> --set <label>=<bundles folder> ...");

/** What one fresh process reported. */
interface ProcessReport {
  bootMs: number;
  importMs: number;
  invocations: Array<{ ms: number; result?: unknown; error?: string }>;
}

/** What one function did per invocation, as the peers saw it. */
interface FunctionUsage {
  invocations: number;
  dynamodb: Record<string, { calls: number; capacityUnits: number }>;
  sqsMessages: number;
  sqsBytes: number;
  websocketPosts: number;
  websocketBytes: number;
  logBytes: number;
  /** Custom metrics the function publishes in EMF log lines: `namespace/name/dimension names`. */
  metrics: string[];
}

interface Sample {
  bootMs: number;
  importMs: number;
  firstMs: number;
  warmMs: number[];
}

/** A function's events for one sample, and the check that they did their work. */
interface Scenario {
  events: unknown[];
  verify(report: ProcessReport): void;
}

const projectRoot = process.cwd();
const stackDir = path.dirname(path.resolve(stackFile));
const stack = JSON.parse(readFileSync(stackFile, "utf8")) as StackJson;
const model: StackModel = readStackModel(stack, stackDir);
const prefix = commonPrefix(model.functions.map((fn) => fn.name));
const createQueueName = model.queues.find((queue) => queue.name.endsWith("-create"))?.name ?? "";
mkdirSync(path.join(projectRoot, ".build"), { recursive: true });
const workdir = mkdtempSync(path.join(projectRoot, ".build", "cold-start-"));

/** The DynamoDB calls of whichever function runs now, with the capacity DynamoDB charges for each. */
let current: FunctionUsage | undefined;
const usage = new Map<string, FunctionUsage>();

/** The local peers every function talks to, and what the functions need to find them. */
interface Peers {
  readonly broker: SqsBroker;
  readonly sqs: Awaited<ReturnType<typeof startSqsEndpoint>>;
  readonly websocket: WebSocketPeer;
  readonly documents: DynamoDBDocumentClient;
  readonly dynamoEndpoint: string;
  readonly emulations: LocalEmulation[];
  readonly notificationsQueue: string;
  readonly itemsTable: string;
  /** The local user pool the `$connect` authorizer verifies tokens against, and its JWKS endpoint. */
  readonly userPool: LocalUserPool;
  readonly identity: LocalIdentityServer;
  /** The items table's stream, written by the scenario (what DynamoDB would record), and the bus it publishes to. */
  readonly streams: LocalStreams;
  readonly bus: LocalEventBus;
  readonly eventBridgeUrl: string;
  /** What the scheduled jobs call: the local S3, SNS, CloudWatch and Secrets Manager, and (the canary) a whole runner. */
  readonly jobs: Awaited<ReturnType<typeof startJobs>>;
  readonly runner: RunningService;
  /** The local S3, and the events the imports bucket's notification configuration would send for a created object. */
  readonly s3: S3Endpoint;
  readonly s3Events: NotificationDelivery;
}

const samples = new Map<string, Sample[]>();

async function main(): Promise<void> {
  const dynamo = await startDynamo(projectRoot);
  const proxy = await startCapacityRecorder(dynamo.endpoint);
  await createTables(model.tables, dynamo.endpoint);
  const queueArn = (name: string) => `arn:aws:sqs:${model.region}:${LOCAL_ACCOUNT_ID}:${name}`;
  const broker = new SqsBroker(model.queues.map((queue) => ({ ...queue, arn: queueArn(queue.name) })));
  const sqs = await startSqsEndpoint(broker);
  const websocket = await startWebSocketPeer();
  const userPool = new LocalUserPool(model.region, readAppClients(stack));
  const identity = await startIdentityServer(userPool, 0, []);
  const streams = new LocalStreams(readStreamedTables(stack), {
    region: model.region,
    account: LOCAL_ACCOUNT_ID,
  });
  // Webhooks are not this benchmark's business: their deliveries fail fast into their DLQs, unlogged.
  const bus = new LocalEventBus(readEventBuses(stack), {
    region: model.region,
    account: LOCAL_ACCOUNT_ID,
    deadLetter: (queue, body, attributes) => broker.send(queue, body, attributes),
    log: () => {},
  });
  const eventBridge = await startEventBridgeEndpoint(bus);
  const s3 = await startS3Endpoint({ buckets: localBuckets(stack) });
  // The canary is a client of the whole service: it runs against a runner of its own (the same dev stack, so the
  // machine client's id and secret are the ones this pool derives), API key included.
  const runner = await startLocalService();
  const jobs = await startJobs({
    stack,
    region: model.region,
    account: LOCAL_ACCOUNT_ID,
    identity: { userPool, apiKey: runner.apiKey },
    edges: {
      restUrl: runner.restUrl,
      websocketUrl: runner.websocketUrl,
      tokenUrl: `${runner.authUrl}/oauth2/token`,
    },
    log: () => {},
  });
  // Builds S3's events only: the scenario hands them to the importer's fresh process itself.
  const s3Events = new NotificationDelivery(readBucketNotifications(stack), async () => undefined, {
    region: model.region,
    log: () => {},
  });
  const peers: Peers = {
    broker,
    sqs,
    websocket,
    documents: DynamoDBDocumentClient.from(localClient(dynamo.endpoint)),
    dynamoEndpoint: proxy.endpoint,
    emulations: [
      dynamoEmulation,
      sqsEmulation(sqs.queueUrl, queueArn),
      websocketEmulation(websocket.callbackUrl),
      cognitoEmulation(userPool),
      eventBridgeEmulation(model.region, LOCAL_ACCOUNT_ID),
      s3Emulation,
      jobs.emulation,
    ],
    jobs,
    runner,
    s3,
    s3Events,
    userPool,
    identity,
    streams,
    bus,
    eventBridgeUrl: eventBridge.url,
    notificationsQueue: model.queues.find((queue) => queue.name.endsWith("-notifications"))?.name ?? "",
    itemsTable: model.tables.find((table) => table.name.endsWith("-items"))?.name ?? "",
  };
  try {
    for (let run = 0; run < RUNS; run += 1) {
      // What the functions do is recorded from the last set, the one under test.
      for (const set of sets) await sampleEveryFunction(peers, set.label, set.folder, set === sets.at(-1));
      process.stderr.write(`cold start: run ${run + 1}/${RUNS} done\n`);
    }
  } finally {
    peers.documents.destroy();
    s3Events.close();
    await Promise.all([
      websocket.close(),
      sqs.close(),
      proxy.close(),
      identity.close(),
      eventBridge.close(),
      s3.close(),
      jobs.close(),
      runner.stop(),
    ]);
    bus.close();
    broker.close();
    await dynamo.close();
    rmSync(workdir, { recursive: true, force: true });
  }
  const summary = summarize();
  const perInvocation = Object.fromEntries(
    [...usage].map(([key, recorded]) => [key, perInvocationUsage(recorded)]),
  );
  const report = {
    runs: RUNS,
    warmPerSample: WARM,
    node: process.version,
    coldStarts: summary,
    usage: perInvocation,
  };
  const jsonFile = argument("json")[0];
  if (jsonFile) writeFileSync(jsonFile, `${JSON.stringify(report, null, 2)}\n`);
  // The figures `npm run cost` prices: per function, what one invocation of the set under test does and lasts.
  const usageFile = argument("usage-json")[0];
  const measured = summary[sets.at(-1)?.label ?? ""] ?? {};
  const today = new Date().toISOString().slice(0, 10);
  const measuredFunctions = Object.fromEntries(
    MEASURED_NAMES.map((name) => [
      name,
      {
        coldStartMs: Number(measured[name]?.coldStartMs.toFixed(1)),
        warmInvocationMs: Number(measured[name]?.warmInvocationMs.toFixed(1)),
        ...perInvocation[name],
      },
    ]),
  );
  // With --only, the file keeps what it held for the other functions, and when and how those were measured; it
  // notes when the functions measured now were.
  const kept =
    ONLY.length > 0 && usageFile
      ? (JSON.parse(readFileSync(usageFile, "utf8")) as Record<string, unknown> & {
          functions: Record<string, unknown>;
          measuredSeparately?: Record<string, unknown>;
        })
      : undefined;
  const usageDocument = kept
    ? {
        ...kept,
        measuredSeparately: {
          ...kept.measuredSeparately,
          ...Object.fromEntries(MEASURED_NAMES.map((name) => [name, { measuredAt: today, samples: RUNS }])),
        },
        functions: { ...kept.functions, ...measuredFunctions },
      }
    : {
        measuredWith: "npm run bench (scripts/bench-cold-start.ts)",
        measuredAt: today,
        node: process.version,
        samplesPerFunction: RUNS,
        functions: measuredFunctions,
      };
  if (usageFile) writeFileSync(usageFile, `${JSON.stringify(usageDocument, null, 2)}\n`);
  printTables(summary, jsonFile);
}

type Summary = ReturnType<typeof summarize>;

function summarize() {
  return Object.fromEntries(
    sets.map((set) => [
      set.label,
      Object.fromEntries(
        HANDLER_NAMES.map((name) => {
          const taken = samples.get(`${set.label}/${name}`) ?? [];
          return [
            name,
            {
              samples: taken.length,
              bootMs: median(taken.map((sample) => sample.bootMs)),
              importMs: median(taken.map((sample) => sample.importMs)),
              firstInvocationMs: median(taken.map((sample) => sample.firstMs)),
              coldStartMs: median(taken.map((sample) => sample.importMs + sample.firstMs)),
              warmInvocationMs: median(taken.flatMap((sample) => sample.warmMs)),
            },
          ];
        }),
      ),
    ]),
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exitCode = 1;
});

function printTables(summary: Summary, jsonFile: string | undefined): void {
  const fmt = (value: number) => value.toFixed(1);
  console.log(
    `\nCold start per function: median of ${RUNS} fresh processes each (import = Init, first event against local peers)\n`,
  );
  const labels = sets.map((set) => set.label);
  console.log(
    `| function | ${labels.map((label) => `${label}: import ms | ${label}: first event ms | ${label}: cold start ms`).join(" | ")} | ${labels.map((label) => `${label}: warm ms`).join(" | ")} |`,
  );
  console.log(`|---|${labels.map(() => "---:|---:|---:|").join("")}${labels.map(() => "---:|").join("")}`);
  for (const name of MEASURED_NAMES) {
    const cells = labels.map((label) => {
      const row = summary[label]?.[name];
      return row
        ? `${fmt(row.importMs)} | ${fmt(row.firstInvocationMs)} | ${fmt(row.coldStartMs)}`
        : "n/a | n/a | n/a";
    });
    const warm = labels.map((label) => fmt(summary[label]?.[name]?.warmInvocationMs ?? Number.NaN));
    console.log(`| ${name} | ${cells.join(" | ")} | ${warm.join(" | ")} |`);
  }
  if (labels.length > 1) {
    const [first, last] = [labels[0] as string, labels.at(-1) as string];
    const ratio = (label: string) =>
      median(MEASURED_NAMES.map((name) => summary[label]?.[name]?.coldStartMs ?? Number.NaN));
    console.log(
      `\nMedian over functions: ${first} ${fmt(ratio(first))} ms, ${last} ${fmt(ratio(last))} ms: ${(ratio(first) / ratio(last)).toFixed(2)}x`,
    );
  }
  if (jsonFile) console.log(`\nWrote ${path.relative(projectRoot, jsonFile)}`);
}

async function sampleEveryFunction(
  peers: Peers,
  label: string,
  bundles: string,
  recordUsage: boolean,
): Promise<void> {
  const { broker, websocket, notificationsQueue } = peers;
  const requestIds = Array.from({ length: WARM + 1 }, () => randomUUID());
  // One user per socket: each outcome goes to its own user's socket, and no user reaches the connection cap.
  const owners = requestIds.map(() => randomUUID());
  const itemOf = (index: number) => ({
    id: itemIdFor(requestIds[index] as string),
    owner: owners[index] as string,
  });
  const sockets = await Promise.all(requestIds.map(() => websocket.connect()));
  const connectionIds = sockets.map((socket) => socket.connectionId);
  const createdBefore = new Set(await itemIds(peers));
  let created: string[] = [];
  const outcomes: StoredMessage[] = [];
  const takeOutcomes = () => {
    const messages = broker.receive(notificationsQueue, Number.MAX_SAFE_INTEGER);
    for (const message of messages) broker.delete(notificationsQueue, message.receiptHandle ?? "");
    return messages;
  };
  const sqsScenario = (operation: string, bodies: Array<Record<string, unknown>>): Scenario => ({
    events: bodies.map((body) => sqsEvent(sqsRecord(body))),
    verify: (report) => {
      const published = takeOutcomes();
      outcomes.push(...published);
      const statuses = published.map(
        (message) => (JSON.parse(message.body) as { outcome: { status: string } }).outcome.status,
      );
      const failures = report.invocations.flatMap(batchFailures);
      if (
        failures.length > 0 ||
        statuses.length !== bodies.length ||
        statuses.some((status) => status !== "success")
      )
        throw new Error(
          `${operation}: expected ${bodies.length} success outcomes, got ${JSON.stringify(statuses)}, failures ${JSON.stringify(failures)}`,
        );
    },
  });
  const routeScenario = (route: string, events: unknown[], expectedFrames = 0): Scenario => ({
    events,
    verify: (report) => {
      const codes = report.invocations.map(
        (invocation) => invocation.error ?? (invocation.result as { statusCode?: number })?.statusCode,
      );
      if (codes.some((code) => code !== 200))
        throw new Error(`${route}: expected 200 from every invocation, got ${JSON.stringify(codes)}`);
      const frames = sockets.reduce((sum, socket) => sum + socket.frames.length, 0);
      if (frames < expectedFrames)
        throw new Error(`${route}: expected ${expectedFrames} frames pushed, got ${frames}`);
      for (const socket of sockets) socket.frames.length = 0;
    },
  });

  // Each event its own occurrence (the ledger would skip a second run of one), far from any other sample's.
  const jobScenario = (job: string, check: (results: unknown[]) => void): Scenario => {
    const base = Date.now() + Math.floor(Math.random() * 1e9) * 60_000;
    const events = Array.from({ length: WARM + 1 }, (_, index) => ({
      job,
      scheduledTime: new Date(base + index * 60_000).toISOString(),
      attemptNumber: "0",
    }));
    return {
      events,
      verify: (report) => {
        const answers = report.invocations.map(
          (invocation) => (invocation.result as { status?: string; result?: unknown } | undefined) ?? {},
        );
        const errors = report.invocations.flatMap((invocation) =>
          invocation.error ? [invocation.error] : [],
        );
        if (errors.length > 0 || answers.some((answer) => answer.status !== "done"))
          throw new Error(
            `${job}: expected every run done, got ${JSON.stringify(errors.length ? errors : answers)}`,
          );
        check(answers.map((answer) => answer.result));
      },
    };
  };
  const scenarios: Array<[HandlerName, () => Promise<Scenario> | Scenario]> = [
    [
      "items-create",
      () =>
        sqsScenario(
          "create",
          requestIds.map((requestId) =>
            commandBody({
              requestId,
              owner: owners[requestIds.indexOf(requestId)] as string,
              operation: "create",
              payload: { name: `Lamp ${requestId.slice(0, 8)}`, description: "Brass" },
            }),
          ),
        ),
    ],
    [
      "ws-authorizer",
      () => {
        const webClient = peers.userPool.clients.find((client) => client.flows.includes("code"));
        const events = owners.map((_, index) => ({
          type: "REQUEST",
          methodArn: "arn:aws:execute-api:eu-west-1:111111111111:api/live/$connect",
          queryStringParameters: {
            token: peers.userPool.signIn({
              username: `cold-start-${index}`,
              clientId: webClient?.clientId ?? "",
              scopes: ["items/read", "items/write"],
            }).access_token,
          },
        }));
        return {
          events,
          verify: (report) => {
            const allowed = report.invocations.filter(
              (invocation) =>
                (invocation.result as { policyDocument?: { Statement?: Array<{ Effect: string }> } })
                  ?.policyDocument?.Statement?.[0]?.Effect === "Allow",
            );
            if (allowed.length !== events.length)
              throw new Error(`$connect authorizer: ${allowed.length} of ${events.length} tokens allowed`);
          },
        };
      },
    ],
    [
      "ws-connect",
      () =>
        routeScenario(
          "$connect",
          connectionIds.map((connectionId, index) =>
            websocketEvent("$connect", connectionId, {
              principal: owners[index] as string,
              queryStringParameters: { requestId: requestIds[index] as string },
            }),
          ),
        ),
    ],
    [
      "notification",
      () => {
        // The create outcomes, pushed to the sockets subscribed to their request ids.
        const events = outcomes.splice(0).map((message) => sqsEvent(sqsRecord(message.body)));
        return {
          events,
          verify: (report) => {
            const failures = report.invocations.flatMap(batchFailures);
            const frames = sockets.reduce((sum, socket) => sum + socket.frames.length, 0);
            if (failures.length > 0 || frames !== events.length)
              throw new Error(
                `notification: ${frames} of ${events.length} outcomes pushed, failures ${JSON.stringify(failures)}`,
              );
            for (const socket of sockets) socket.frames.length = 0;
          },
        };
      },
    ],
    [
      "ws-default",
      () =>
        routeScenario(
          "$default",
          connectionIds.map((connectionId) =>
            websocketEvent("$default", connectionId, { body: JSON.stringify({ action: "status" }) }),
          ),
          connectionIds.length,
        ),
    ],
    [
      "job-cleanup",
      async () => {
        // Connections whose sockets are gone ($disconnect never came), beside the open ones of this sample.
        const gone = Array.from({ length: 5 }, () => `gone-${randomUUID()}`);
        const table = model.tables.find((candidate) => candidate.name.endsWith("-connections"))?.name ?? "";
        const connectedAt = new Date(Date.now() - 10 * 60_000).toISOString();
        for (const connectionId of gone)
          await peers.documents.send(
            new PutCommand({
              TableName: table,
              Item: { connectionId, owner: randomUUID(), connectedAt, expiresAt: 0 },
            }),
          );
        return jobScenario("cleanup", (results) => {
          const removed = results.reduce<number>(
            (sum, result) => sum + Number((result as { removed?: number }).removed ?? 0),
            0,
          );
          if (removed < gone.length)
            throw new Error(`cleanup: removed ${removed} of ${gone.length} gone connections`);
        });
      },
    ],
    [
      "job-report",
      () => {
        const before = peers.jobs.services.published.length;
        return jobScenario("report", (results) => {
          const announced = peers.jobs.services.published.length - before;
          if (announced !== results.length)
            throw new Error(`report: ${announced} of ${results.length} reports announced`);
        });
      },
    ],
    [
      "job-canary",
      () =>
        jobScenario("canary", (results) => {
          const failed = results.filter((result) => (result as { success?: boolean }).success !== true);
          if (failed.length > 0)
            throw new Error(`canary: ${failed.length} rounds failed: ${JSON.stringify(failed)}`);
        }),
    ],
    [
      "items-read",
      async () => {
        created = (await itemIds(peers)).filter((id) => !createdBefore.has(id));
        if (created.length !== requestIds.length)
          throw new Error(`create: ${created.length} items stored for ${requestIds.length} commands`);
        return sqsScenario(
          "get",
          requestIds.map((_, index) => commandBody({ operation: "get", ...itemOf(index) })),
        );
      },
    ],
    [
      "item-events",
      async () => {
        // The INSERT records DynamoDB's stream holds for the items just created, one per invocation (light traffic).
        const table = peers.itemsTable;
        const records = [];
        for (const id of created) {
          const { Item } = await peers.documents.send(
            new GetItemCommand({ TableName: table, Key: { id: { S: id } }, ConsistentRead: true }),
          );
          if (!Item) throw new Error(`item-events: created item ${id} is not stored`);
          const shard = peers.streams.shardIds(table);
          const before = new Map(shard.map((shardId) => [shardId, peers.streams.latest(table, shardId)]));
          peers.streams.append({
            table,
            eventName: "INSERT",
            keys: { id: { S: id } },
            newImage: Item,
            committedAt: Date.now(),
          });
          records.push(
            ...shard.flatMap((shardId) => peers.streams.read(table, shardId, before.get(shardId), 1)),
          );
        }
        const putBefore = peers.bus.counters.put;
        return {
          events: records.map((record) => ({ Records: [record] })),
          verify: (report) => {
            const failures = report.invocations.flatMap(batchFailures);
            const published = peers.bus.counters.put - putBefore;
            if (failures.length > 0 || published !== records.length)
              throw new Error(
                `item-events: ${published} of ${records.length} events published, failures ${JSON.stringify(failures)}`,
              );
          },
        };
      },
    ],
    [
      "items-update",
      () =>
        sqsScenario(
          "update",
          requestIds.map((_, index) =>
            commandBody({
              operation: "update",
              ...itemOf(index),
              payload: { name: "Desk lamp" },
              requestedAt: ACCEPTED_AT + 1,
            }),
          ),
        ),
    ],
    [
      "items-delete",
      () =>
        sqsScenario(
          "delete",
          requestIds.map((_, index) =>
            commandBody({ operation: "delete", ...itemOf(index), requestedAt: ACCEPTED_AT + 2 }),
          ),
        ),
    ],
    [
      "importer",
      async () => {
        // One upload of ten rows per invocation: a small file, so the figure is the importer's start and its
        // calls (a read, a batch of ten commands, a result), not the size of the file.
        const [target] = readBucketNotifications(stack);
        if (!target) throw new Error("importer: the stack notifies no function of uploads");
        const events = [];
        for (const [index, owner] of owners.entries()) {
          const key = `imports/${owner}/bench-${label.replace(/\W+/g, "-")}-${index}.jsonl`;
          const rows = Array.from({ length: 10 }, (_, row) => JSON.stringify({ name: `Imported ${row}` }));
          await fetch(`${peers.s3.url}/${target.bucket}/${encodeURI(key)}`, {
            method: "PUT",
            body: `${rows.join("\n")}\n`,
          });
          const [version] = peers.s3.store.list(target.bucket, { prefix: key }).contents;
          if (!version) throw new Error(`importer: ${key} was not stored`);
          events.push(
            peers.s3Events.eventFor(target, {
              eventName: "ObjectCreated:Put",
              bucket: target.bucket,
              object: version,
              versioned: true,
              requestId: "BENCH",
              sourceIp: "127.0.0.1",
            }),
          );
        }
        return {
          events,
          verify: (report) => {
            const errors = report.invocations.flatMap((invocation) =>
              invocation.error ? [invocation.error] : [],
            );
            const commands = broker.receive(createQueueName, Number.MAX_SAFE_INTEGER);
            for (const message of commands) broker.delete(createQueueName, message.receiptHandle ?? "");
            if (errors.length > 0 || commands.length !== events.length * 10)
              throw new Error(
                `importer: expected ${events.length * 10} create commands, got ${commands.length}; errors ${JSON.stringify(errors)}`,
              );
          },
        };
      },
    ],
    [
      "import-upload",
      () =>
        routeScenario(
          "POST /imports",
          owners.map((owner, index) => ({
            body: JSON.stringify({ name: `bench-${index}.csv`, size: 1024 }),
            requestContext: { authorizer: { claims: { sub: owner, scope: "items/write" } } },
          })),
        ),
    ],
    [
      "ws-disconnect",
      () =>
        routeScenario(
          "$disconnect",
          connectionIds.map((connectionId) => websocketEvent("$disconnect", connectionId)),
        ),
    ],
  ];
  const missing = HANDLER_NAMES.filter((name) => !scenarios.some(([scenarioName]) => scenarioName === name));
  if (missing.length > 0)
    throw new Error(
      `No cold-start scenario for ${missing.join(", ")}: add one in scripts/bench-cold-start.ts`,
    );

  for (const [name, build] of scenarios.filter(([name]) => MEASURED_NAMES.includes(name))) {
    const scenario = await build();
    const before = snapshotCounters(sockets);
    current = recordUsage ? (usage.get(name) ?? emptyUsage()) : undefined;
    const { report, logBytes, metrics } = await runFreshProcess(
      peers,
      name,
      path.join(bundles, name, "index.mjs"),
      scenario.events,
    );
    if (current) {
      const after = snapshotCounters(sockets);
      current.invocations += scenario.events.length;
      current.websocketPosts += after.frames - before.frames;
      current.websocketBytes += after.frameBytes - before.frameBytes;
      current.logBytes += logBytes;
      current.metrics = [...new Set([...current.metrics, ...metrics])].sort();
      usage.set(name, current);
    }
    if (current) {
      // Outcomes, and the create commands an import sends (no other scenario leaves any on the create queue).
      const published = [...broker.peek(notificationsQueue), ...broker.peek(createQueueName)];
      current.sqsMessages += published.length;
      current.sqsBytes += published.reduce((sum, message) => sum + messageBytes(message), 0);
    }
    current = undefined;
    scenario.verify(report);
    const [first, ...warm] = report.invocations;
    const key = `${label}/${name}`;
    samples.set(key, [
      ...(samples.get(key) ?? []),
      {
        bootMs: report.bootMs,
        importMs: report.importMs,
        firstMs: first?.ms ?? Number.NaN,
        warmMs: warm.map((invocation) => invocation.ms),
      },
    ]);
  }
  for (const { socket } of sockets) socket.close();
}

/** Starts one execution environment of `name` and gives it `events`; resolves with its report and log bytes. */
function runFreshProcess(
  peers: Peers,
  name: HandlerName,
  bundle: string,
  events: unknown[],
): Promise<{ report: ProcessReport; logBytes: number; metrics: string[] }> {
  const fn = model.functions.find((candidate) => candidate.name === `${prefix}${name}`);
  if (!fn) throw new Error(`The stack has no function ${prefix}${name}`);
  // Variables naming AWS's own hosts (the stages, the user pool's domain) point at the canary's runner instead.
  const edges = peers.jobs.edgeOverrides;
  const own = Object.fromEntries(Object.entries(fn.environment).filter(([variable]) => !edges[variable]));
  const resolved = resolveEnvironment(stack, own, peers.emulations);
  const { unresolved } = resolved;
  const variables = {
    ...resolved.variables,
    ...Object.fromEntries(
      Object.keys(fn.environment).flatMap((variable) =>
        edges[variable] ? [[variable, edges[variable]]] : [],
      ),
    ),
  };
  if (unresolved.length > 0) throw new Error(`${fn.name}: not resolvable locally: ${unresolved.join(", ")}`);
  const input = path.join(workdir, `${name}.json`);
  writeFileSync(
    input,
    JSON.stringify({
      bundle,
      functionName: fn.name,
      memoryMb: 1024,
      timeoutSeconds: fn.timeoutSeconds,
      events,
    }),
  );
  const child = spawn(
    process.execPath,
    ["--no-warnings", path.join(projectRoot, "scripts", "cold-start", "invoke.mjs"), input],
    {
      cwd: path.dirname(bundle),
      stdio: ["ignore", "pipe", "pipe", "pipe"],
      env: {
        ...variables,
        PATH: process.env.PATH ?? "",
        // What the nodejs22.x runtime sets, so the SDK, Powertools and the X-Ray SDK take their Lambda paths.
        AWS_REGION: model.region,
        AWS_DEFAULT_REGION: model.region,
        AWS_ACCESS_KEY_ID: "ASIACOLDSTART",
        AWS_SECRET_ACCESS_KEY: "cold-start",
        AWS_SESSION_TOKEN: "cold-start",
        AWS_LAMBDA_FUNCTION_NAME: fn.name,
        AWS_LAMBDA_FUNCTION_VERSION: "1",
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "1024",
        AWS_LAMBDA_INITIALIZATION_TYPE: "on-demand",
        AWS_LAMBDA_LOG_FORMAT: "JSON",
        AWS_LAMBDA_LOG_LEVEL: "INFO",
        AWS_EXECUTION_ENV: "AWS_Lambda_nodejs22.x",
        LAMBDA_TASK_ROOT: path.dirname(bundle),
        AWS_XRAY_DAEMON_ADDRESS: "127.0.0.1:2000",
        AWS_XRAY_CONTEXT_MISSING: "LOG_ERROR",
        AWS_ENDPOINT_URL_DYNAMODB: peers.dynamoEndpoint,
        AWS_ENDPOINT_URL_SQS: peers.sqs.url,
        AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: peers.identity.url,
        AWS_ENDPOINT_URL_EVENTBRIDGE: peers.eventBridgeUrl,
        AWS_ENDPOINT_URL_S3: peers.s3.url,
        ...peers.jobs.endpoints,
      },
    },
  );
  let logBytes = 0;
  let stderr = "";
  const timings: Buffer[] = [];
  let stdout = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    logBytes += chunk.length;
    stdout += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    logBytes += chunk.length;
    stderr += chunk.toString();
  });
  (child.stdio[3] as NodeJS.ReadableStream).on("data", (chunk: Buffer) => timings.push(chunk));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("close", (code) => {
      clearTimeout(timer);
      if (code !== 0 || timings.length === 0)
        return reject(new Error(`${name}: the process exited with ${code}:\n${stderr.slice(-2000)}`));
      resolve({
        report: JSON.parse(Buffer.concat(timings).toString()) as ProcessReport,
        logBytes,
        metrics: emfMetrics(stdout),
      });
    });
  });
}

function batchFailures(invocation: ProcessReport["invocations"][number]): unknown[] {
  if (invocation.error) return [invocation.error];
  return (invocation.result as { batchItemFailures?: unknown[] } | undefined)?.batchItemFailures ?? [];
}

async function itemIds(peers: Peers): Promise<string[]> {
  const { Items = [] } = await peers.documents.send(
    new ScanCommand({ TableName: peers.itemsTable, ProjectionExpression: "id" }),
  );
  return Items.map((item) => String(item.id));
}

function snapshotCounters(sockets: Awaited<ReturnType<WebSocketPeer["connect"]>>[]) {
  const frames = sockets.flatMap((socket) => socket.frames);
  return {
    frames: frames.length,
    frameBytes: frames.reduce((sum: number, frame) => sum + Buffer.byteLength(JSON.stringify(frame)), 0),
  };
}

/** A message's size as SQS bills it: body plus each attribute's name, type and value. */
function messageBytes(message: StoredMessage): number {
  return (
    Buffer.byteLength(message.body) +
    Object.entries(message.attributes).reduce(
      (sum, [name, attribute]) =>
        sum +
        Buffer.byteLength(name) +
        Buffer.byteLength(attribute.DataType) +
        Buffer.byteLength(attribute.StringValue ?? ""),
      0,
    )
  );
}

/** The custom metrics in a function's EMF log lines, each as CloudWatch bills it: namespace, name, dimensions. */
function emfMetrics(output: string): string[] {
  const metrics: string[] = [];
  for (const line of output.split("\n")) {
    if (!line.includes('"_aws"')) continue;
    const { _aws } = JSON.parse(line) as {
      _aws?: {
        CloudWatchMetrics?: Array<{
          Namespace: string;
          Dimensions: string[][];
          Metrics: Array<{ Name: string }>;
        }>;
      };
    };
    for (const directive of _aws?.CloudWatchMetrics ?? [])
      for (const metric of directive.Metrics)
        for (const dimensions of directive.Dimensions.length > 0 ? directive.Dimensions : [[]])
          metrics.push(`${directive.Namespace}/${metric.Name}/${dimensions.join(",")}`);
  }
  return metrics;
}

function emptyUsage(): FunctionUsage {
  return {
    invocations: 0,
    dynamodb: {},
    sqsMessages: 0,
    sqsBytes: 0,
    websocketPosts: 0,
    websocketBytes: 0,
    logBytes: 0,
    metrics: [],
  };
}

function perInvocationUsage(recorded: FunctionUsage) {
  const per = (value: number) => Number((value / Math.max(1, recorded.invocations)).toFixed(3));
  return {
    invocations: recorded.invocations,
    dynamodb: Object.fromEntries(
      Object.entries(recorded.dynamodb).map(([operation, { calls, capacityUnits }]) => [
        operation,
        { calls: per(calls), capacityUnits: per(capacityUnits) },
      ]),
    ),
    sqsMessages: per(recorded.sqsMessages),
    sqsBytesPerMessage: recorded.sqsMessages ? Math.round(recorded.sqsBytes / recorded.sqsMessages) : 0,
    websocketPosts: per(recorded.websocketPosts),
    websocketBytesPerPost: recorded.websocketPosts
      ? Math.round(recorded.websocketBytes / recorded.websocketPosts)
      : 0,
    logBytes: per(recorded.logBytes),
    metrics: recorded.metrics,
  };
}

/**
 * A pass-through in front of dynalite that asks for, and records, the capacity each call consumes (the
 * handlers do not ask for it themselves), keyed `<operation> <table>`.
 */
async function startCapacityRecorder(target: string) {
  const server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const operation =
      String(request.headers["x-amz-target"] ?? "")
        .split(".")
        .pop() ?? "";
    const input = JSON.parse(Buffer.concat(chunks).toString() || "{}") as Record<string, unknown>;
    if (["GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "Scan"].includes(operation))
      input.ReturnConsumedCapacity = "TOTAL";
    const body = Buffer.from(JSON.stringify(input));
    const recording = current;
    const upstream = httpRequest(
      target,
      {
        method: request.method,
        path: request.url,
        headers: { ...request.headers, "content-length": body.length },
      },
      async (answer) => {
        const parts: Buffer[] = [];
        for await (const part of answer) parts.push(part as Buffer);
        const text = Buffer.concat(parts);
        if (recording) {
          const consumed = (
            JSON.parse(text.toString() || "{}") as { ConsumedCapacity?: { CapacityUnits?: number } }
          ).ConsumedCapacity;
          const key = `${operation} ${String(input.TableName ?? "").slice(prefix.length)}`;
          const entry = recording.dynamodb[key] ?? { calls: 0, capacityUnits: 0 };
          entry.calls += 1;
          entry.capacityUnits += consumed?.CapacityUnits ?? 0;
          recording.dynamodb[key] = entry;
        }
        response.writeHead(answer.statusCode ?? 500, { ...answer.headers, "content-length": text.length });
        response.end(text);
      },
    );
    upstream.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function commonPrefix(names: readonly string[]): string {
  const [first = "", ...rest] = names;
  let length = first.length;
  for (const name of rest) while (!name.startsWith(first.slice(0, length))) length -= 1;
  return first.slice(0, length);
}
