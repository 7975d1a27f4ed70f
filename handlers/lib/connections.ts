import { DeleteCommand, GetCommand, PutCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { documentClient } from "./dynamodb.ts";
import { ENV, requireEnv } from "./environment.ts";

/** API Gateway closes a WebSocket after two hours, so a record older than that is garbage. */
export const CONNECTION_TTL_SECONDS = 2 * 60 * 60;

/** An open socket: its user's, optionally narrowed to one request's outcome. */
export interface Connection {
  connectionId: string;
  owner: string;
  /** Only this request's outcome is pushed to the socket. @default every outcome of its owner */
  requestId?: string;
  connectedAt: string;
  expiresAt: number;
}

const table = () => requireEnv(ENV.connectionsTable);

export async function saveConnection(
  connection: Pick<Connection, "connectionId" | "owner" | "requestId">,
  now: Date,
): Promise<void> {
  const item: Connection = {
    ...connection,
    connectedAt: now.toISOString(),
    expiresAt: Math.floor(now.getTime() / 1000) + CONNECTION_TTL_SECONDS,
  };
  await documentClient.send(new PutCommand({ TableName: table(), Item: item }));
}

export async function deleteConnection(connectionId: string): Promise<void> {
  await documentClient.send(new DeleteCommand({ TableName: table(), Key: { connectionId } }));
}

export async function getConnection(connectionId: string): Promise<Connection | undefined> {
  const { Item } = await documentClient.send(
    new GetCommand({ TableName: table(), Key: { connectionId }, ConsistentRead: true }),
  );
  return Item as Connection | undefined;
}

/** Every open connection of a user, following pagination of the owner index. */
export async function connectionsOf(owner: string): Promise<Array<Omit<Connection, "expiresAt">>> {
  const connections: Array<Omit<Connection, "expiresAt">> = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await documentClient.send(
      new QueryCommand({
        TableName: table(),
        IndexName: requireEnv(ENV.connectionsByOwnerIndex),
        KeyConditionExpression: "#owner = :owner",
        ExpressionAttributeNames: { "#owner": "owner" },
        ExpressionAttributeValues: { ":owner": owner },
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of page.Items ?? []) {
      connections.push({
        connectionId: String(item.connectionId),
        owner,
        connectedAt: String(item.connectedAt),
        ...(typeof item.requestId === "string" ? { requestId: item.requestId } : {}),
      });
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return connections;
}
