import { randomUUID } from "node:crypto";
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { documentClient } from "../lib/dynamodb.ts";
import { JOBS_ENV, requireEnv } from "../lib/environment.ts";
import { isConditionalCheckFailure } from "../lib/errors.ts";

/** Long enough that a duplicate or a retry of an occurrence (Scheduler's maximum event age is a day) finds its row. */
export const LEDGER_TTL_SECONDS = 35 * 24 * 60 * 60;

/** What claiming a job's window found. */
export type Claim =
  | { readonly outcome: "claimed"; readonly token: string }
  | { readonly outcome: "done"; readonly result: unknown }
  | { readonly outcome: "running"; readonly leaseUntil: string };

const table = () => requireEnv(JOBS_ENV.jobRunsTable);
const keyOf = (job: string, window: string) => ({ run: `${job}#${window}` });

/**
 * Claims `<job>#<window>` with one conditional put: it succeeds when nobody has, or when an earlier claim was
 * neither completed nor renewed within its lease (its invocation was stopped). Scheduler delivers at least once
 * and retries a failed invocation, so the ledger is what makes a window's work happen once.
 */
export async function claimRun(job: string, window: string, now: Date, leaseSeconds: number): Promise<Claim> {
  const token = randomUUID();
  const leaseUntil = new Date(now.getTime() + leaseSeconds * 1000).toISOString();
  try {
    await documentClient.send(
      new PutCommand({
        TableName: table(),
        Item: {
          ...keyOf(job, window),
          status: "running",
          token,
          startedAt: now.toISOString(),
          leaseUntil,
          expiresAt: Math.floor(now.getTime() / 1000) + LEDGER_TTL_SECONDS,
        },
        ConditionExpression: "attribute_not_exists(#run) OR (#status = :running AND leaseUntil < :now)",
        ExpressionAttributeNames: { "#run": "run", "#status": "status" },
        ExpressionAttributeValues: { ":running": "running", ":now": now.toISOString() },
      }),
    );
    return { outcome: "claimed", token };
  } catch (error) {
    if (!isConditionalCheckFailure(error)) throw error;
    const { Item: held = {} } = await documentClient.send(
      new GetCommand({ TableName: table(), Key: keyOf(job, window), ConsistentRead: true }),
    );
    if (held.status === "done") return { outcome: "done", result: held.result };
    return { outcome: "running", leaseUntil: String(held.leaseUntil) };
  }
}

/** Marks the window done with what the run did, if this run still holds it. */
export async function completeRun(
  job: string,
  window: string,
  token: string,
  result: unknown,
): Promise<void> {
  await documentClient.send(
    new UpdateCommand({
      TableName: table(),
      Key: keyOf(job, window),
      UpdateExpression: "SET #status = :done, #result = :result, completedAt = :now REMOVE leaseUntil",
      ConditionExpression: "#token = :token",
      ExpressionAttributeNames: { "#status": "status", "#result": "result", "#token": "token" },
      ExpressionAttributeValues: {
        ":done": "done",
        ":result": result,
        ":token": token,
        ":now": new Date().toISOString(),
      },
    }),
  );
}

/** Gives a failed run's window back at once, so Scheduler's retry need not wait out the lease. */
export async function releaseRun(job: string, window: string, token: string): Promise<void> {
  try {
    await documentClient.send(
      new DeleteCommand({
        TableName: table(),
        Key: keyOf(job, window),
        ConditionExpression: "#token = :token AND #status = :running",
        ExpressionAttributeNames: { "#token": "token", "#status": "status" },
        ExpressionAttributeValues: { ":token": token, ":running": "running" },
      }),
    );
  } catch (error) {
    if (!isConditionalCheckFailure(error)) throw error;
  }
}
