// Drives a running local service from outside, as a client would: the end-to-end tests and
// `npm run bench:local` use it.
import { type ChildProcess, spawn } from "node:child_process";
import { Agent, request as httpRequest } from "node:http";
import WebSocket from "ws";

export interface RunningService {
  restUrl: string;
  websocketUrl: string;
  /** The local user pool: Hosted UI, token endpoint, JWKS. */
  authUrl: string;
  apiKey: string;
  /** An access token (both scopes) of the user the helpers below act as unless told otherwise. */
  token: string;
  /** The runner's process id, for reading its CPU time. */
  pid: number;
  /**
   * Keep-alive connections to the REST API, as a browser or an API client keeps them: at a hundred requests a
   * second a new connection per request would cost the client more than the service.
   */
  agent: Agent;
  output: () => string;
  stop(): Promise<void>;
}

/** Starts `npm run local`'s command as a subprocess on free ports and waits for its "ready" line. */
export async function startLocalService(extraArguments: string[] = []): Promise<RunningService> {
  const apiKey = "e2e-key";
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
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
      "--auth-port",
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
  const authUrl = /Sign-in\s+(http:\/\/\S+)/.exec(output)?.[1] ?? "";
  return {
    restUrl,
    websocketUrl,
    authUrl,
    apiKey,
    token: await tokenFor({ authUrl }, "e2e-user"),
    pid: child.pid ?? 0,
    agent,
    output: () => output,
    stop: () =>
      new Promise((resolve) => {
        agent.destroy();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

/** An access token of the local user pool for `username`, with the given scopes (default: every API scope). */
export async function tokenFor(
  service: Pick<RunningService, "authUrl">,
  username: string,
  scopes: readonly string[] = [],
): Promise<string> {
  const response = await fetch(`${service.authUrl}/_local/token`, {
    method: "POST",
    body: JSON.stringify({ username, scopes }),
  });
  const answer = (await response.json()) as { access_token?: string; error?: string };
  if (!answer.access_token) throw new Error(`no token for ${username}: ${answer.error ?? response.status}`);
  return answer.access_token;
}

/**
 * Calls the REST API with the service's API key and, unless `headers` says otherwise, its user's token; a string
 * body is sent as it is, anything else as JSON.
 */
export function request(
  service: RunningService,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: Record<string, unknown> }> {
  const payload = body === undefined ? "" : typeof body === "string" ? body : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      new URL(path, service.restUrl),
      {
        method,
        agent: service.agent,
        headers: {
          "x-api-key": service.apiKey,
          authorization: `Bearer ${service.token}`,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
          "content-length": Buffer.byteLength(payload),
          ...headers,
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.once("error", reject);
        response.once("end", () => {
          try {
            const json = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>;
            resolve({ status: response.statusCode ?? 0, json });
          } catch (error) {
            reject(error);
          }
        });
      },
    );
    outgoing.once("error", reject);
    outgoing.end(payload);
  });
}

export interface Subscription {
  readonly socket: WebSocket;
  /** The request's notification frame, when it arrives. */
  readonly notification: Promise<Record<string, unknown>>;
}

/**
 * Opens a WebSocket as the service's user (or `token`'s), narrowed to one request's outcome when `requestId` is
 * given; resolves once it is open.
 */
export function subscribe(
  service: RunningService,
  requestId?: string,
  token = service.token,
): Promise<Subscription> {
  const narrowing = requestId ? `&requestId=${requestId}` : "";
  const socket = new WebSocket(`${service.websocketUrl}/?token=${token}${narrowing}`);
  const notification = new Promise<Record<string, unknown>>((resolve) => {
    socket.on("message", (data) => {
      const frame = JSON.parse(String(data)) as Record<string, unknown>;
      if (frame.type === "notification") resolve(frame);
    });
  });
  return new Promise((resolve, reject) => {
    socket.once("open", () => resolve({ socket, notification }));
    socket.once("unexpected-response", (_request, response) => {
      socket.terminate();
      reject(new Error(`WebSocket refused with ${response.statusCode}`));
    });
    socket.once("error", (error) => {
      socket.terminate();
      reject(error);
    });
  });
}

/** Subscribes to a request id, asks for the status, and resolves with the outcome frame. */
export async function outcomeOf(
  service: RunningService,
  requestId: string,
  timeoutMs = 15_000,
): Promise<Record<string, unknown>> {
  const { socket, notification } = await subscribe(service, requestId);
  socket.send(JSON.stringify({ action: "status" }));
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      notification,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no outcome for ${requestId}`)), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
    socket.close();
  }
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
