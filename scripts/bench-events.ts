import {
  CreateTableCommand,
  type DynamoDBClient,
  PutItemCommand,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { dev } from "../environments/dev.ts";
import { localClient, startDynamo } from "../local/dynamodb.ts";
import { LocalStreams, startStreamRecorder } from "../local/dynamodb-streams/streams.ts";
import { ItemRows } from "../local/item-rows.ts";
import { startLocalService } from "../local/service-client.ts";
import { startHttpReceiver } from "../test/support/http-receiver.ts";
import { percentile, processCpuMs } from "./measure.ts";

// `npm run bench:events -- [--rate 60] [--seconds 30] [--warmup 20] [--writes 3000]`
//
// 1. The stream recorder's cost: --writes sequential writes (a put, then an update of the same item) straight to
//    dynalite and through the recorder, each timed by the client, with the process's CPU per write (client,
//    dynalite and recorder threads together).
// 2. Write to event through `npm run local`: items are created, updated and deleted through the runner's DynamoDB
//    endpoint (one every 1/--rate seconds, each item created, updated and deleted), and each change is timed from sending its
//    write to its event being put on the bus (seen by the runner's event tail) and to its delivery at a webhook
//    receiver on this machine (the dev stack's webhook, redirected), via the stream, the publisher and the bus.
//    Deliveries keep to the webhook's configured rate limit, as EventBridge's do. The first --warmup seconds run
//    the same way and are not counted. A change not seen 10 s after the last write is lost.

const option = (name: string, fallback: number) => {
  const index = process.argv.indexOf(`--${name}`);
  const value = index >= 0 ? Number(process.argv[index + 1]) : fallback;
  if (!(value >= 0)) throw new Error(`--${name} must be a non-negative number`);
  return value;
};
const rate = option("rate", 60);
const seconds = option("seconds", 30);
const warmupSeconds = option("warmup", 20);
const writes = option("writes", 3000);
const LOST_AFTER_MS = 10_000;

const summarize = (values: readonly number[]) =>
  `p50 ${percentile(values, 50).toFixed(2)} ms, p90 ${percentile(values, 90).toFixed(2)} ms, p99 ${percentile(values, 99).toFixed(2)} ms`;

async function recorderCost(): Promise<void> {
  const dynamo = await startDynamo(process.cwd());
  const table = {
    name: "bench-items",
    hashKey: "id",
    attributes: [{ name: "id", type: "S" as const }],
    indexes: [],
  };
  const setup = localClient(dynamo.endpoint);
  await setup.send(
    new CreateTableCommand({
      TableName: table.name,
      BillingMode: "PAY_PER_REQUEST",
      AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }],
      KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
    }),
  );
  setup.destroy();
  const streams = new LocalStreams([{ name: table.name, viewType: "NEW_AND_OLD_IMAGES" }], {
    region: "eu-west-1",
    account: "000000000000",
  });
  const recorder = await startStreamRecorder(process.cwd(), dynamo.endpoint, [table], streams);
  try {
    for (const [label, endpoint] of [
      ["straight to dynalite", dynamo.endpoint],
      ["through the stream recorder", recorder.endpoint],
    ] as const) {
      const client: DynamoDBClient = localClient(endpoint);
      const latencies: number[] = [];
      const write = async (index: number) => {
        const id = `${label.length}-${Math.floor(index / 2)}`;
        const started = performance.now();
        if (index % 2 === 0)
          await client.send(
            new PutItemCommand({
              TableName: table.name,
              Item: { id: { S: id }, name: { S: `item ${index}` } },
            }),
          );
        else
          await client.send(
            new UpdateItemCommand({
              TableName: table.name,
              Key: { id: { S: id } },
              UpdateExpression: "SET #name = :name",
              ExpressionAttributeNames: { "#name": "name" },
              ExpressionAttributeValues: { ":name": { S: `renamed ${index}` } },
            }),
          );
        return performance.now() - started;
      };
      for (let index = 0; index < 300; index += 1) await write(index);
      const cpuBefore = process.cpuUsage();
      for (let index = 0; index < writes; index += 1) latencies.push(await write(index));
      const cpu = process.cpuUsage(cpuBefore);
      console.log(
        `${writes} writes ${label}: ${summarize(latencies)}; CPU per write ${((cpu.user + cpu.system) / 1000 / writes).toFixed(2)} ms`,
      );
      client.destroy();
    }
  } finally {
    await recorder.close();
    await dynamo.close();
  }
}

interface Phase {
  readonly expected: number;
  readonly failedWrites: number;
  /** Write sent to its event put on the bus, ms. */
  readonly onBus: number[];
  /** Write sent to its event delivered at the webhook, ms. */
  readonly atWebhook: number[];
}

/** Arrival time (wall clock, ms) of each item version's event, read from a stream of events. */
function arrivals(): { at: Map<string, number>; record(event: unknown, time: number): void } {
  const at = new Map<string, number>();
  return {
    at,
    record: (event, time) => {
      const { detail } = event as { detail: { itemId: string; version: number } };
      at.set(`${detail.itemId}/${detail.version}`, time);
    },
  };
}

async function writeToEvent(): Promise<void> {
  const receiver = await startHttpReceiver();
  const [webhook] = dev.events.webhooks;
  const limit = webhook?.invocationRateLimitPerSecond ?? Number.POSITIVE_INFINITY;
  const service = await startLocalService(["--webhook-url", `${webhook?.name}=${receiver.url}/hook`]);
  const endpoint = /DynamoDB\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(service.output())?.[1] ?? "";
  const documents = DynamoDBDocumentClient.from(localClient(endpoint), {
    marshallOptions: { removeUndefinedValues: true },
  });
  const rows = new ItemRows(documents, `${dev.namePrefix}-items`);
  // Sends are stamped with performance.timeOrigin + now(), arrivals with Date.now(): both wall clock, one process.
  const now = () => performance.timeOrigin + performance.now();
  const sentAt = new Map<string, number>();
  const atWebhook = arrivals();
  receiver.answerWith((request) => {
    atWebhook.record(JSON.parse(request.body), request.at);
    return 200;
  });
  // The runner's event tail: when each event was put on the bus, before any rule's rate limit.
  const onBus = arrivals();
  const tailing = new AbortController();
  const tail = await fetch(`${service.restUrl}/_local/events`, { signal: tailing.signal });
  const reading = (async () => {
    const decoder = new TextDecoder();
    let pending = "";
    for await (const chunk of tail.body ?? []) {
      const at = Date.now();
      pending += decoder.decode(chunk as Uint8Array, { stream: true });
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines.filter(Boolean)) onBus.record(JSON.parse(line), at);
    }
  })().catch(() => undefined);

  const run = async (phaseSeconds: number): Promise<Phase> => {
    const keys: string[] = [];
    let failedWrites = 0;
    const sent = (id: string, version: number, at: number) => {
      sentAt.set(`${id}/${version}`, at);
      keys.push(`${id}/${version}`);
    };
    const chains = Math.round((rate * phaseSeconds) / 3);
    const started = performance.now();
    // One write every 1/rate seconds: chain i creates, updates and deletes its item on ticks 3i, 3i+1 and 3i+2.
    const tick = (index: number) => {
      const wait = started + (index * 1000) / rate - performance.now();
      return wait > 0 ? new Promise((resolve) => setTimeout(resolve, wait)) : Promise.resolve();
    };
    const inFlight: Promise<void>[] = [];
    for (let index = 0; index < chains; index += 1) {
      await tick(3 * index);
      inFlight.push(
        (async () => {
          try {
            let at = now();
            const item = await rows.create({ name: `bench ${index}`, description: "a change to publish" });
            sent(item.id, 1, at);
            await tick(3 * index + 1);
            at = now();
            await rows.update(item.id, { name: `bench ${index}, renamed` });
            sent(item.id, 2, at);
            await tick(3 * index + 2);
            at = now();
            await rows.delete(item.id);
            sent(item.id, 3, at);
          } catch {
            failedWrites += 1;
          }
        })(),
      );
    }
    await Promise.all(inFlight);
    const deadline = performance.now() + LOST_AFTER_MS;
    const seen = (found: Map<string, number>) => keys.every((key) => found.has(key));
    while (!(seen(onBus.at) && seen(atWebhook.at)) && performance.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 50));
    const latenciesTo = (found: Map<string, number>) =>
      keys.flatMap((key) => {
        const arrival = found.get(key);
        return arrival === undefined ? [] : [arrival - (sentAt.get(key) ?? arrival)];
      });
    return {
      expected: keys.length,
      failedWrites,
      onBus: latenciesTo(onBus.at),
      atWebhook: latenciesTo(atWebhook.at),
    };
  };

  try {
    if (warmupSeconds > 0) {
      const warmup = await run(warmupSeconds);
      console.log(
        `warm-up (not counted): ${warmup.expected} changes, ${warmup.onBus.length} on the bus, ${warmup.atWebhook.length} at the webhook, ${warmup.failedWrites} write chains failed`,
      );
    }
    const cpuBefore = processCpuMs(service.pid);
    const measured = await run(seconds);
    const cpu = cpuBefore === undefined ? undefined : (processCpuMs(service.pid) ?? 0) - cpuBefore;
    const report = (what: string, latencies: number[]) =>
      console.log(
        `write to ${what}: ${latencies.length} of ${measured.expected} within ${LOST_AFTER_MS / 1000} s of the last write` +
          (latencies.length > 0
            ? `; ${summarize(latencies)}, max ${Math.max(...latencies).toFixed(1)} ms`
            : ""),
      );
    console.log(
      `${measured.expected} changes at ${rate}/s for ${seconds} s; write chains failed: ${measured.failedWrites}`,
    );
    report("event on the bus", measured.onBus);
    report(`event at the webhook (rate limit ${limit}/s)`, measured.atWebhook);
    console.log(
      `runner CPU per change: ${cpu === undefined ? "n/a" : (cpu / measured.expected).toFixed(2)} ms`,
    );
    // Above the webhook's rate limit EventBridge delivers late by design: only the bus must keep up then.
    const delivered = rate <= limit ? measured.atWebhook.length : measured.onBus.length;
    process.exitCode = delivered === measured.expected && measured.failedWrites === 0 ? 0 : 1;
  } finally {
    tailing.abort();
    await reading;
    documents.destroy();
    await service.stop();
    await receiver.close();
  }
}

async function main(): Promise<void> {
  if (writes > 0) await recorderCost();
  if (seconds > 0) await writeToEvent();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
