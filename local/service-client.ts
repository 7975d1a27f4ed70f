// Drives a running local service from outside, as a client would: the end-to-end tests and
// `npm run bench:local` use it.
import { type ChildProcess, spawn } from "node:child_process";
import WebSocket from "ws";

export interface RunningService {
  restUrl: string;
  websocketUrl: string;
  apiKey: string;
  /** The runner's process id, for reading its CPU time. */
  pid: number;
  output: () => string;
  stop(): Promise<void>;
}

/** Starts `npm run local`'s command as a subprocess on free ports and waits for its "ready" line. */
export async function startLocalService(extraArguments: string[] = []): Promise<RunningService> {
  const apiKey = "e2e-key";
  const child: ChildProcess = spawn(
    "node",
    [
      // RUNNER_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=prof") profiles the runner under a test or benchmark.
      ...(process.env.RUNNER_NODE_ARGS?.split(" ").filter(Boolean) ?? []),
      "--no-warnings",
      "scripts/run-ts.mjs",
      "local/main.ts",
      "--rest-port",
      "0",
      "--ws-port",
      "0",
      "--api-key",
      apiKey,
      ...extraArguments,
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  child.stdout?.on("data", (chunk) => {
    output += chunk;
  });
  child.stderr?.on("data", (chunk) => {
    output += chunk;
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`runner not ready in 60 s:\n${output}`)), 60_000);
    const check = setInterval(() => {
      if (/^ready$/m.test(output)) {
        clearInterval(check);
        clearTimeout(timer);
        resolve();
      }
    }, 50);
    child.once("exit", (code) => {
      clearInterval(check);
      clearTimeout(timer);
      reject(new Error(`runner exited with ${code}:\n${output}`));
    });
  });
  const restUrl = /REST API\s+(http:\/\/\S+)/.exec(output)?.[1] ?? "";
  const websocketUrl = /WebSocket\s+(ws:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1] ?? "";
  return {
    restUrl,
    websocketUrl,
    apiKey,
    pid: child.pid ?? 0,
    output: () => output,
    stop: () =>
      new Promise((resolve) => {
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

export async function request(service: RunningService, method: string, path: string, body?: unknown) {
  const response = await fetch(`${service.restUrl}${path}`, {
    method,
    headers: {
      "x-api-key": service.apiKey,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

/** Subscribes to a request id over a real WebSocket, asks for the status, and resolves with the outcome frame. */
export function outcomeOf(
  service: RunningService,
  requestId: string,
  timeoutMs = 15_000,
): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${service.websocketUrl}/?requestId=${requestId}`);
    const timer = setTimeout(() => {
      socket.terminate();
      reject(new Error(`no outcome for ${requestId}`));
    }, timeoutMs);
    socket.on("open", () => socket.send(JSON.stringify({ action: "status" })));
    socket.on("message", (data) => {
      const frame = JSON.parse(String(data)) as Record<string, unknown>;
      if (frame.type !== "notification") return;
      clearTimeout(timer);
      socket.close();
      resolve(frame);
    });
    socket.on("error", reject);
  });
}

export async function waitFor<T>(
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}
