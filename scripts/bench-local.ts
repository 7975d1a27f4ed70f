import { randomUUID } from "node:crypto";
import {
  type RunningService,
  request,
  type Subscription,
  startLocalService,
  subscribe,
} from "../local/service-client.ts";
import { processCpuMs } from "./measure.ts";

// `npm run bench:local -- [--rate 100] [--seconds 30] [--warmup 30]`: sends POST /items at a fixed rate against
// `npm run local` and measures, per request, the time from sending the POST to receiving its notification on a
// WebSocket subscribed beforehand (the client chooses its request id with X-Amzn-RequestId, as the API allows).
// The first --warmup seconds run at the same rate and are not counted: they are the runner's JIT warming up
// (V8 compiling the handlers, the SDK and the servers), which a deployed function pays once per environment.
// A request whose notification has not arrived 10 s after the last send is lost.

const option = (name: string, fallback: number, allowZero = false) => {
  const index = process.argv.indexOf(`--${name}`);
  const value = index >= 0 ? Number(process.argv[index + 1]) : fallback;
  if (!(value > 0 || (allowZero && value === 0)))
    throw new Error(`--${name} must be a ${allowZero ? "non-negative" : "positive"} number`);
  return value;
};
const rate = option("rate", 100);
const seconds = option("seconds", 30);
const warmupSeconds = option("warmup", 30, true);
const LOST_AFTER_MS = 10_000;

interface Tally {
  latencies: number[];
  statuses: Map<number, number>;
  refused: number;
  /** Requests that failed in transport (a reset or refused connection), by error message. */
  errors: Map<string, number>;
}

async function one(service: RunningService, tally: Tally, deadline: number): Promise<void> {
  const requestId = randomUUID();
  let subscription: Subscription | undefined;
  try {
    subscription = await subscribe(service, requestId);
    const notifiedAt = subscription.notification.then(() => performance.now());
    const sentAt = performance.now();
    const { status } = await request(
      service,
      "POST",
      "/items",
      { name: `bench ${requestId.slice(0, 8)}` },
      { "x-amzn-requestid": requestId },
    );
    tally.statuses.set(status, (tally.statuses.get(status) ?? 0) + 1);
    if (status !== 202) {
      tally.refused += 1;
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    const arrived = await Promise.race([
      notifiedAt,
      new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), Math.max(0, deadline - performance.now()));
      }),
    ]);
    clearTimeout(timer);
    if (arrived !== undefined) tally.latencies.push(arrived - sentAt);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    tally.errors.set(message, (tally.errors.get(message) ?? 0) + 1);
  } finally {
    subscription?.socket.close();
  }
}

/** Sends `count` requests at `rate` per second; resolves when every one is notified or given up on. */
async function phase(service: RunningService, count: number): Promise<Tally & { sendSeconds: number }> {
  const tally: Tally = { latencies: [], statuses: new Map(), refused: 0, errors: new Map() };
  const started = performance.now();
  const deadline = started + (count * 1000) / rate + LOST_AFTER_MS;
  const inFlight: Promise<void>[] = [];
  for (let index = 0; index < count; index += 1) {
    const wait = started + (index * 1000) / rate - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    inFlight.push(one(service, tally, deadline));
  }
  const sendSeconds = (performance.now() - started) / 1000;
  await Promise.all(inFlight);
  return { ...tally, sendSeconds };
}

const failures = (tally: Tally) => [...tally.errors.values()].reduce((sum, count) => sum + count, 0);

/** What became of `sent` requests: lost are those accepted but never notified before the deadline. */
function accountFor(tally: Tally, sent: number): string {
  const failed = failures(tally);
  const lost = sent - tally.refused - failed - tally.latencies.length;
  const errors = failed > 0 ? `: ${JSON.stringify(Object.fromEntries(tally.errors))}` : "";
  return `lost: ${lost} (notified ${tally.latencies.length}, refused ${tally.refused}, failed in transport ${failed}${errors})`;
}

async function main(): Promise<void> {
  const service = await startLocalService();
  try {
    if (warmupSeconds > 0) {
      const count = Math.round(rate * warmupSeconds);
      const warmup = await phase(service, count);
      console.log(
        `warm-up (not counted): ${count} requests at ${rate}/s for ${warmupSeconds} s; ${accountFor(warmup, count)}`,
      );
    }
    const total = Math.round(rate * seconds);
    const serviceCpuBefore = processCpuMs(service.pid);
    const generatorCpuBefore = process.cpuUsage();
    const measured = await phase(service, total);
    const serviceCpuMs =
      serviceCpuBefore === undefined ? undefined : (processCpuMs(service.pid) ?? 0) - serviceCpuBefore;
    const generatorCpu = process.cpuUsage(generatorCpuBefore);
    const generatorCpuMs = (generatorCpu.user + generatorCpu.system) / 1000;

    const sorted = [...measured.latencies].sort((a, b) => a - b);
    const percentile = (p: number) =>
      sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
    const failed = failures(measured);
    const lost = total - measured.refused - failed - measured.latencies.length;
    console.log(
      `${total} POST /items at ${rate}/s for ${seconds} s (sent in ${measured.sendSeconds.toFixed(1)} s); answers ${JSON.stringify(Object.fromEntries(measured.statuses))}`,
    );
    console.log(
      `POST-to-notification latency: p50 ${percentile(50).toFixed(1)} ms, p90 ${percentile(90).toFixed(1)} ms, p99 ${percentile(99).toFixed(1)} ms, max ${(sorted.at(-1) ?? Number.NaN).toFixed(1)} ms`,
    );
    console.log(accountFor(measured, total));
    console.log(
      `CPU per request: service ${serviceCpuMs === undefined ? "n/a" : (serviceCpuMs / total).toFixed(1)} ms, load generator ${(generatorCpuMs / total).toFixed(1)} ms`,
    );
    process.exitCode = lost > 0 || measured.refused > 0 || failed > 0 ? 1 : 0;
  } finally {
    await service.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
