import { DeleteCommand, GetCommand, PutCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { documentClient } from "./dynamodb.ts";
import { ENV, requireEnv } from "./environment.ts";

/** API Gateway closes a WebSocket after two hours, so a record older than that is garbage. */
export const CONNECTION_TTL_SECONDS = 2 * 60 * 60;

export interface Connection {
  connectionId: string;
  requestId: string;
  connectedAt: string;
  expiresAt: number;
}

export async function saveConnection(connectionId: string, requestId: string, now: Date): Promise<void> {
  const connection: Connection = {
    connectionId,
    requestId,
    connectedAt: now.toISOString(),
    expiresAt: Math.floor(now.getTime() / 1000) + CONNECTION_TTL_SECONDS,
  };
  await documentClient.send(
    new PutCommand({ TableName: requireEnv(ENV.connectionsTable), Item: connection }),
  );
}

export async function deleteConnection(connectionId: string): Promise<void> {
  await documentClient.send(
    new DeleteCommand({ TableName: requireEnv(ENV.connectionsTable), Key: { connectionId } }),
  );
}

export async function getConnection(connectionId: string): Promise<Connection | undefined> {
  const { Item } = await documentClient.send(
    new GetCommand({ TableName: requireEnv(ENV.connectionsTable), Key: { connectionId } }),
  );
  return Item as Connection | undefined;
}

/** Every connection subscribed to the request id, following pagination of the index. */
export async function connectionsFor(requestId: string): Promise<string[]> {
  const ids: string[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await documentClient.send(
      new QueryCommand({
        TableName: requireEnv(ENV.connectionsTable),
        IndexName: requireEnv(ENV.connectionsByRequestIndex),
        KeyConditionExpression: "requestId = :requestId",
        ExpressionAttributeValues: { ":requestId": requestId },
        ProjectionExpression: "connectionId",
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of page.Items ?? []) ids.push(String(item.connectionId));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return ids;
}
