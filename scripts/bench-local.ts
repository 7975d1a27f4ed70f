import { randomUUID } from "node:crypto";
import WebSocket from "ws";
import { type RunningService, startLocalService } from "../local/service-client.ts";

// `npm run bench:local -- [--rate 100] [--seconds 30]`: sends POST /items at a fixed rate against `npm run local`
// and measures, per request, the time from sending the POST to receiving its notification on a WebSocket
// subscribed beforehand (the client chooses its request id with X-Amzn-RequestId, as the API allows).
// A request whose notification has not arrived 10 s after the last send is lost.

const option = (name: string, fallback: number) => {
  const index = process.argv.indexOf(`--${name}`);
  const value = index >= 0 ? Number(process.argv[index + 1]) : fallback;
  if (!(value > 0)) throw new Error(`--${name} must be a positive number`);
  return value;
};
const rate = option("rate", 100);
const seconds = option("seconds", 30);
const total = Math.round(rate * seconds);

async function one(
  service: RunningService,
  latencies: number[],
  statuses: Map<string, number>,
  rejections: { count: number },
): Promise<void> {
  const requestId = randomUUID();
  const socket = new WebSocket(`${service.websocketUrl}/?requestId=${requestId}`);
  await new Promise<void>((resolve, reject) => {
    socket.once("open", () => resolve());
    socket.once("error", reject);
  });
  const notified = new Promise<number>((resolve) => {
    socket.on("message", (data) => {
      if ((JSON.parse(String(data)) as { type?: string }).type === "notification") resolve(performance.now());
    });
  });
  const sentAt = performance.now();
  const response = await fetch(`${service.restUrl}/items`, {
    method: "POST",
    headers: {
      "x-api-key": service.apiKey,
      "content-type": "application/json",
      "x-amzn-requestid": requestId,
    },
    body: JSON.stringify({ name: `bench ${requestId.slice(0, 8)}` }),
  });
  await response.arrayBuffer();
  statuses.set(String(response.status), (statuses.get(String(response.status)) ?? 0) + 1);
  if (response.status !== 202) {
    rejections.count += 1;
    socket.close();
    return;
  }
  const arrived = await Promise.race([
    notified,
    new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 10_000 + seconds * 1000)),
  ]);
  if (arrived !== undefined) latencies.push(arrived - sentAt);
  socket.close();
}

async function main(): Promise<void> {
  const service = await startLocalService();
  const latencies: number[] = [];
  const statuses = new Map<string, number>();
  const rejections = { count: 0 };
  const started = performance.now();
  const inFlight: Promise<void>[] = [];
  for (let index = 0; index < total; index += 1) {
    const due = started + (index * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    inFlight.push(one(service, latencies, statuses, rejections));
  }
  const sendSeconds = (performance.now() - started) / 1000;
  await Promise.all(inFlight);
  await service.stop();

  const sorted = [...latencies].sort((a, b) => a - b);
  const percentile = (p: number) =>
    sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
  const rejected = rejections.count;
  const lost = total - rejected - latencies.length;
  console.log(
    `${total} POST /items at ${rate}/s for ${seconds} s (sent in ${sendSeconds.toFixed(1)} s); answers ${JSON.stringify(Object.fromEntries(statuses))}`,
  );
  console.log(
    `POST-to-notification latency: p50 ${percentile(50).toFixed(1)} ms, p90 ${percentile(90).toFixed(1)} ms, p99 ${percentile(99).toFixed(1)} ms, max ${(sorted.at(-1) ?? Number.NaN).toFixed(1)} ms`,
  );
  console.log(`lost: ${lost} (notified ${latencies.length}, refused ${rejected})`);
  process.exitCode = lost > 0 || rejected > 0 ? 1 : 0;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
