import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import WebSocket from "ws";
import { z } from "zod";
import { JOBS_ENV, requireEnv } from "../lib/environment.ts";
import { logger, metrics } from "../lib/powertools.ts";
import { SDK_CLIENT_DEFAULTS } from "../lib/sdk-defaults.ts";
import { scheduledJob } from "./scheduled-job.ts";

const secrets = new SecretsManagerClient({ ...SDK_CLIENT_DEFAULTS });

/** What the canary's secret holds: the machine client's credentials and the API key that meters it. */
export const canaryCredentialsSchema = z.object({
  clientId: z.string().min(1),
  clientSecret: z.string().min(1),
  apiKey: z.string().min(1),
});
export type CanaryCredentials = z.infer<typeof canaryCredentialsSchema>;

/** Secrets Manager is asked again after this, so a rotated secret is picked up without a deploy. */
const CREDENTIALS_TTL_MS = 15 * 60_000;
let cachedCredentials: { value: CanaryCredentials; until: number } | undefined;
let cachedToken: { value: string; until: number } | undefined;

async function credentials(now: number): Promise<CanaryCredentials> {
  if (cachedCredentials && cachedCredentials.until > now) return cachedCredentials.value;
  const answer = await secrets.send(
    new GetSecretValueCommand({ SecretId: requireEnv(JOBS_ENV.canarySecretArn) }),
  );
  const parsed = canaryCredentialsSchema.safeParse(JSON.parse(answer.SecretString ?? "null"));
  if (!parsed.success)
    throw new CanaryFailure("credentials", "the canary's secret is not {clientId, clientSecret, apiKey}");
  cachedCredentials = { value: parsed.data, until: now + CREDENTIALS_TTL_MS };
  return parsed.data;
}

/** A token of the machine client from the user pool's token endpoint (client credentials), reused until near expiry. */
async function accessToken(client: CanaryCredentials, now: number): Promise<string> {
  if (cachedToken && cachedToken.until > now) return cachedToken.value;
  const response = await fetch(requireEnv(JOBS_ENV.tokenUrl), {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString("base64")}`,
    },
    body: new URLSearchParams({ grant_type: "client_credentials" }).toString(),
    signal: AbortSignal.timeout(5_000),
  });
  const answer = (await response.json().catch(() => ({}))) as {
    access_token?: string;
    expires_in?: number;
    error?: string;
  };
  if (!response.ok || !answer.access_token)
    throw new CanaryFailure(
      "token",
      `the token endpoint answered ${response.status} ${answer.error ?? ""}`.trim(),
    );
  cachedToken = { value: answer.access_token, until: now + ((answer.expires_in ?? 3600) - 60) * 1000 };
  return answer.access_token;
}

/** A failed step of the canary: which one, and why. */
export class CanaryFailure extends Error {
  constructor(
    readonly step: string,
    message: string,
  ) {
    super(`${step}: ${message}`);
    this.name = "CanaryFailure";
  }
}

interface Outcome {
  requestId: string;
  status: "success" | "error";
  result?: { id?: string };
  error?: { code: string; message: string };
}

/** The canary's socket: every outcome of its own client, collected by request id, waited for with a bound. */
class OutcomeSocket {
  private readonly outcomes = new Map<string, Outcome>();
  private readonly waiting = new Map<string, (outcome: Outcome) => void>();

  private constructor(private readonly socket: WebSocket) {
    socket.on("message", (data) => {
      let frame: Partial<Outcome> & { type?: string };
      try {
        frame = JSON.parse(String(data));
      } catch {
        return;
      }
      if (frame.type !== "notification" || !frame.requestId) return;
      this.outcomes.set(frame.requestId, frame as Outcome);
      this.waiting.get(frame.requestId)?.(frame as Outcome);
    });
  }

  static open(url: string, token: string, timeoutMs: number): Promise<OutcomeSocket> {
    const socket = new WebSocket(`${url}?token=${encodeURIComponent(token)}`);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.terminate();
        reject(new CanaryFailure("connect", `the WebSocket did not open within ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once("open", () => {
        clearTimeout(timer);
        resolve(new OutcomeSocket(socket));
      });
      socket.once("unexpected-response", (_request, response) => {
        clearTimeout(timer);
        socket.terminate();
        reject(new CanaryFailure("connect", `the WebSocket was refused with ${response.statusCode}`));
      });
      socket.once("error", (error) => {
        clearTimeout(timer);
        reject(new CanaryFailure("connect", error.message));
      });
    });
  }

  /** The request's outcome, or a failure after `timeoutMs`: the canary never waits longer than it was given. */
  outcome(step: string, requestId: string, timeoutMs: number): Promise<Outcome> {
    const known = this.outcomes.get(requestId);
    if (known) return Promise.resolve(known);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(requestId);
        reject(new CanaryFailure(step, `no outcome for request ${requestId} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(requestId, (outcome) => {
        clearTimeout(timer);
        this.waiting.delete(requestId);
        resolve(outcome);
      });
    });
  }

  close(): void {
    this.socket.terminate();
  }
}

export interface CanaryResult {
  success: boolean;
  /** From the first request to the last outcome, when every step succeeded. */
  latencyMs?: number;
  /** The step that failed and why. */
  failure?: string;
}

/**
 * One synthetic client's round: as the machine client, create an item, read it and delete it through the REST API,
 * each outcome received on the client's WebSocket; publishes `CanarySuccess` (1 or 0) and, on success,
 * `CanaryLatency`. A failed round is a measurement, not an error: the invocation succeeds (Scheduler does not retry
 * a measurement), and the alarm on `CanarySuccess` tells.
 */
export async function runCanary(now: () => number = Date.now): Promise<CanaryResult> {
  const waitMs = Number(requireEnv(JOBS_ENV.canaryOutcomeTimeoutSeconds)) * 1000;
  const restUrl = requireEnv(JOBS_ENV.restApiUrl).replace(/\/$/, "");
  let socket: OutcomeSocket | undefined;
  try {
    const client = await credentials(now());
    const token = await accessToken(client, now());
    socket = await OutcomeSocket.open(requireEnv(JOBS_ENV.websocketUrl), token, waitMs);
    const call = async (step: string, method: string, path: string, body?: unknown) => {
      const response = await fetch(`${restUrl}/${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          "x-api-key": client.apiKey,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(waitMs),
      });
      const answer = (await response.json().catch(() => ({}))) as { requestId?: string; error?: string };
      if (response.status !== 202 || !answer.requestId)
        throw new CanaryFailure(step, `the API answered ${response.status} ${answer.error ?? ""}`.trim());
      const outcome = await (socket as OutcomeSocket).outcome(step, answer.requestId, waitMs);
      if (outcome.status !== "success")
        throw new CanaryFailure(step, `the outcome was ${outcome.error?.code}: ${outcome.error?.message}`);
      return outcome;
    };
    const started = now();
    const created = await call("create", "POST", "items", {
      name: "canary",
      description: `synthetic item of the health canary, ${new Date(started).toISOString()}`,
    });
    const id = created.result?.id;
    if (!id) throw new CanaryFailure("create", "the outcome carries no item id");
    await call("read", "GET", `items/${encodeURIComponent(id)}`);
    await call("delete", "DELETE", `items/${encodeURIComponent(id)}`);
    const latencyMs = now() - started;
    metrics.addMetric("CanarySuccess", MetricUnit.Count, 1);
    metrics.addMetric("CanaryLatency", MetricUnit.Milliseconds, latencyMs);
    return { success: true, latencyMs };
  } catch (error) {
    const failure = error instanceof Error ? error.message : String(error);
    logger.error("Canary round failed", { failure });
    metrics.addMetric("CanarySuccess", MetricUnit.Count, 0);
    // A token the API refuses may have been revoked: the next round asks for a new one.
    cachedToken = undefined;
    return { success: false, failure };
  } finally {
    socket?.close();
  }
}

export const handler = scheduledJob("canary", () => runCanary());
