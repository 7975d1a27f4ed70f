import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { type Notification, outcomeSchema } from "./contracts.ts";
import { documentClient } from "./dynamodb.ts";
import { ENV, requireEnv } from "./environment.ts";
import { isConditionalCheckFailure } from "./errors.ts";

/** Outcomes are kept long enough for a client to come back for them, then DynamoDB's TTL removes them. */
export const OUTCOME_TTL_SECONDS = 24 * 60 * 60;

/**
 * Stores the outcome with its owner unless one is already stored for the request id, and returns the stored
 * one. First writer wins: a redelivered command may finish again, and the client must see one answer.
 */
export async function storeOutcome(notification: Notification): Promise<Notification> {
  const { owner, outcome } = notification;
  const expiresAt = Math.floor(Date.parse(outcome.completedAt) / 1000) + OUTCOME_TTL_SECONDS;
  try {
    await documentClient.send(
      new PutCommand({
        TableName: requireEnv(ENV.requestsTable),
        Item: {
          requestId: outcome.requestId,
          owner,
          operation: outcome.operation,
          status: outcome.status,
          // Kept as the exact JSON frame so the polling endpoint can return it without reshaping.
          outcome: JSON.stringify(outcome),
          completedAt: outcome.completedAt,
          expiresAt,
        },
        ConditionExpression: "attribute_not_exists(requestId)",
      }),
    );
    return notification;
  } catch (error) {
    if (!isConditionalCheckFailure(error)) throw error;
    const stored = await readOutcome(outcome.requestId);
    if (!stored) throw new Error(`Outcome of ${outcome.requestId} was reported present but cannot be read`);
    return stored;
  }
}

/** The stored outcome of a request and its owner; callers answer it only to that owner. */
export async function readOutcome(requestId: string): Promise<Notification | undefined> {
  const { Item } = await documentClient.send(
    new GetCommand({ TableName: requireEnv(ENV.requestsTable), Key: { requestId }, ConsistentRead: true }),
  );
  if (!Item) return undefined;
  return { owner: String(Item.owner), outcome: outcomeSchema.parse(JSON.parse(String(Item.outcome))) };
}
