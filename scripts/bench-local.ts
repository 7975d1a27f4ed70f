import { runChaosProof } from "../local/chaos/proof.ts";
import {
  type RunningService,
  request,
  startLocalService,
  subscribe,
  tokenFor,
} from "../local/service-client.ts";
import { processCpuMs } from "./measure.ts";

// `npm run bench:local -- --chaos [seed] [--users 20] [--items 6]`: the chaos proof (see chaosProof below).
// `npm run bench:local -- [--rate 100] [--seconds 30] [--warmup 30] [--users 20]`: sends POST /items at a fixed
// rate against `npm run local`, each as one of `--users` signed-in users (an access token each, and one
// WebSocket each, opened through the $connect authorizer as a browser tab would), and measures, per request, the
// time from sending the POST to receiving its notification on its user's socket. The first --warmup seconds run
// at the same rate and are not counted: they are the runner's JIT warming up (V8 compiling the handlers, the SDK
// and the servers), which a deployed function pays once per environment. A request whose notification has not
// arrived 10 s after the last send is lost.

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
const userCount = option("users", 20);
const chaosIndex = process.argv.indexOf("--chaos");
/** `--chaos [seed]`: the proof that nothing is lost, duplicated or resurrected, instead of the latency run. */
const chaosSeed =
  chaosIndex < 0
    ? undefined
    : /^\d+$/.test(process.argv[chaosIndex + 1] ?? "")
      ? process.argv[chaosIndex + 1]
      : "1";
const LOST_AFTER_MS = 10_000;

interface Tally {
  latencies: number[];
  statuses: Map<number, number>;
  refused: number;
  /** Requests that failed in transport (a reset or refused connection), by error message. */
  errors: Map<string, number>;
}

/** A signed-in user with the one socket every outcome of theirs arrives on. */
interface BenchUser {
  readonly service: RunningService;
  /** Arrival time of each notification by request id, for requests whose 202 may not have arrived yet. */
  readonly arrivals: Map<string, number>;
  readonly waiting: Map<string, (arrivedAt: number) => void>;
}

async function signIn(
  service: RunningService,
  index: number,
): Promise<{ user: BenchUser; connectMs: number }> {
  const user: BenchUser = {
    service: { ...service, token: await tokenFor(service, `bench-${index}`) },
    arrivals: new Map(),
    waiting: new Map(),
  };
  const started = performance.now();
  const { socket } = await subscribe(user.service);
  const connectMs = performance.now() - started;
  socket.on("message", (data) => {
    const arrivedAt = performance.now();
    const frame = JSON.parse(String(data)) as { type?: string; requestId?: string };
    if (frame.type !== "notification" || !frame.requestId) return;
    const resolve = user.waiting.get(frame.requestId);
    if (resolve) {
      user.waiting.delete(frame.requestId);
      resolve(arrivedAt);
    } else user.arrivals.set(frame.requestId, arrivedAt);
  });
  return { user, connectMs };
}

async function one(user: BenchUser, tally: Tally, deadline: number): Promise<void> {
  try {
    const sentAt = performance.now();
    const { status, json } = await request(user.service, "POST", "/items", {
      name: `bench ${sentAt.toFixed(0)}`,
    });
    tally.statuses.set(status, (tally.statuses.get(status) ?? 0) + 1);
    if (status !== 202) {
      tally.refused += 1;
      return;
    }
    const requestId = String(json.requestId);
    const early = user.arrivals.get(requestId);
    user.arrivals.delete(requestId);
    let timer: NodeJS.Timeout | undefined;
    const arrived =
      early ??
      (await Promise.race([
        new Promise<number>((resolve) => user.waiting.set(requestId, resolve)),
        new Promise<undefined>((resolve) => {
          timer = setTimeout(() => resolve(undefined), Math.max(0, deadline - performance.now()));
        }),
      ]));
    clearTimeout(timer);
    user.waiting.delete(requestId);
    if (arrived !== undefined) tally.latencies.push(arrived - sentAt);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    tally.errors.set(message, (tally.errors.get(message) ?? 0) + 1);
  }
}

/** Sends `count` requests at `rate` per second; resolves when every one is notified or given up on. */
async function phase(users: readonly BenchUser[], count: number): Promise<Tally & { sendSeconds: number }> {
  const tally: Tally = { latencies: [], statuses: new Map(), refused: 0, errors: new Map() };
  const started = performance.now();
  const deadline = started + (count * 1000) / rate + LOST_AFTER_MS;
  const inFlight: Promise<void>[] = [];
  for (let index = 0; index < count; index += 1) {
    const wait = started + (index * 1000) / rate - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    inFlight.push(one(users[index % users.length] as BenchUser, tally, deadline));
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

/**
 * `--chaos`: runs the proof (local/chaos/proof.ts) against a runner with `--chaos <seed>` and time scaled to a
 * twentieth (visibility timeouts and retry backoffs), and fails unless nothing was lost, duplicated, resurrected
 * or overwritten by an older update.
 */
async function chaosProof(seed: string): Promise<void> {
  const service = await startLocalService(["--chaos", seed, "--time-scale", "0.05"]);
  try {
    const report = await runChaosProof(service, {
      users: userCount,
      itemsPerUser: option("items", 6),
      updatesPerItem: 3,
      settleMs: 120_000,
    });
    console.log(JSON.stringify(report, null, 2));
    const broken =
      report.lost +
      report.itemsDuplicated +
      report.itemsResurrected +
      report.staleOverwrites +
      report.eventsMissing +
      report.eventsPhantom;
    process.exitCode = broken > 0 ? 1 : 0;
  } finally {
    await service.stop();
  }
}

async function main(): Promise<void> {
  if (chaosSeed !== undefined) return chaosProof(chaosSeed);
  const service = await startLocalService();
  try {
    const signedIn = await Promise.all(
      Array.from({ length: userCount }, (_, index) => signIn(service, index)),
    );
    const users = signedIn.map((entry) => entry.user);
    const connects = signedIn.map((entry) => entry.connectMs).sort((a, b) => a - b);
    console.log(
      `${userCount} users signed in, one socket each: $connect with its authorizer p50 ${(connects[Math.floor(connects.length / 2)] ?? 0).toFixed(1)} ms, max ${(connects.at(-1) ?? 0).toFixed(1)} ms (first ones cold)`,
    );
    if (warmupSeconds > 0) {
      const count = Math.round(rate * warmupSeconds);
      const warmup = await phase(users, count);
      console.log(
        `warm-up (not counted): ${count} requests at ${rate}/s for ${warmupSeconds} s; ${accountFor(warmup, count)}`,
      );
    }
    const total = Math.round(rate * seconds);
    const serviceCpuBefore = processCpuMs(service.pid);
    const generatorCpuBefore = process.cpuUsage();
    const measured = await phase(users, total);
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
