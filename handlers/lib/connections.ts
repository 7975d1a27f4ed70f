import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { documentClient } from "./dynamodb.ts";
import { ENV, requireEnv } from "./environment.ts";
import { isConditionalCheckFailure } from "./errors.ts";

/**
 * A connection this young may still be inside its `$connect`: API Gateway answers 410 to `@connections` until the
 * handshake completes, so such a 410 is not a gone client.
 */
export const CONNECT_GRACE_MS = 30_000;

/** API Gateway closes a WebSocket after two hours, so a record older than that is garbage. */
export const CONNECTION_TTL_SECONDS = 2 * 60 * 60;

/**
 * The connections table holds two kinds of item. A connection, keyed by its id: whose it is, what it narrowed
 * to, when it opened. And a user's sockets, keyed `owner#<sub>`: a string set with one entry per open connection
 * (`<connectedAt>#<connectionId>#<requestId>`). Pushing an outcome reads the user's sockets with one consistent
 * GetItem, where an index would lag behind a socket that opened a moment ago and miss it; the set's size is also
 * the per-user cap, checked in the same write that adds a socket.
 */
export interface Connection {
  connectionId: string;
  owner: string;
  /** Only this request's outcome is pushed to the socket. @default every outcome of its owner */
  requestId?: string;
  connectedAt: string;
  /**
   * When the access token that opened it expires (epoch seconds). API Gateway checks the token at `$connect`
   * only; from then on the push and the catch-up skip the socket and close it.
   */
  tokenExpiresAt: number;
  expiresAt: number;
  /** This connection's entry in its owner's set of sockets. */
  socketEntry: string;
}

/** One open socket of a user, as the push reads it from the user's set. */
export type Socket = Pick<Connection, "connectionId" | "connectedAt" | "requestId"> & {
  entry: string;
  /** Absent in an entry written before sockets carried it; the connection's two-hour TTL bounds those. */
  tokenExpiresAt?: number;
};

const table = () => requireEnv(ENV.connectionsTable);
const ownerKey = (owner: string) => ({ connectionId: `owner#${owner}` });

function entryOf(
  connection: Pick<Connection, "connectionId" | "connectedAt" | "requestId" | "tokenExpiresAt">,
): string {
  const { connectedAt, connectionId, requestId, tokenExpiresAt } = connection;
  return `${connectedAt}#${connectionId}#${requestId ?? ""}#${tokenExpiresAt}`;
}

function socketOf(entry: string): Socket {
  const [connectedAt = "", connectionId = "", requestId = "", tokenExpiresAt] = entry.split("#");
  return {
    connectionId,
    connectedAt,
    entry,
    ...(requestId ? { requestId } : {}),
    ...(tokenExpiresAt ? { tokenExpiresAt: Number(tokenExpiresAt) } : {}),
  };
}

/** Whether the token a socket was opened with has expired: it may receive nothing more. */
export function tokenExpired(socket: Pick<Socket, "tokenExpiresAt">, now: Date): boolean {
  return socket.tokenExpiresAt !== undefined && socket.tokenExpiresAt * 1000 <= now.getTime();
}

/** Thrown when the user already holds as many sockets as allowed. */
export class TooManyConnections extends Error {
  override readonly name = "TooManyConnections";
}

/**
 * Registers a socket with its user (refusing one beyond `limit` open ones), then stores the connection. If the
 * second write fails the first is undone, best effort; an entry left behind is forgotten when a push finds it
 * gone, or when it stands between its user and a new socket (`isOpen` asks `@connections`).
 */
export async function saveConnection(
  connection: Pick<Connection, "connectionId" | "owner" | "requestId" | "tokenExpiresAt">,
  now: Date,
  limit: number,
  isOpen: (connectionId: string) => Promise<boolean>,
): Promise<void> {
  const expiresAt = Math.floor(now.getTime() / 1000) + CONNECTION_TTL_SECONDS;
  const item: Connection = {
    ...connection,
    connectedAt: now.toISOString(),
    expiresAt,
    socketEntry: "",
  };
  item.socketEntry = entryOf(item);
  try {
    await registerSocket(connection.owner, item.socketEntry, expiresAt, limit);
  } catch (error) {
    if (!(error instanceof TooManyConnections)) throw error;
    // `$disconnect` is best effort: sockets a lost one left behind must not lock their user out. Forget those
    // that cannot be open any more, and try once more.
    if ((await forgetClosedSockets(connection.owner, now, isOpen)) === 0) throw error;
    await registerSocket(connection.owner, item.socketEntry, expiresAt, limit);
  }
  try {
    await documentClient.send(new PutCommand({ TableName: table(), Item: item }));
  } catch (error) {
    await forgetSocket(connection.owner, item.socketEntry).catch(() => undefined);
    throw error;
  }
}

/** Adds a socket to its user's set, unless the set is full: the count and the add are one conditional write. */
async function registerSocket(owner: string, entry: string, expiresAt: number, limit: number): Promise<void> {
  try {
    await documentClient.send(
      new UpdateCommand({
        TableName: table(),
        Key: ownerKey(owner),
        UpdateExpression: "ADD sockets :entry SET expiresAt = :expiresAt",
        ConditionExpression: "attribute_not_exists(sockets) OR size(sockets) < :limit",
        ExpressionAttributeValues: {
          ":entry": new Set([entry]),
          ":expiresAt": expiresAt,
          ":limit": limit,
        },
      }),
    );
  } catch (error) {
    if (isConditionalCheckFailure(error))
      throw new TooManyConnections(`at most ${limit} open connections per user`);
    throw error;
  }
}

/**
 * Forgets the user's sockets that are closed: older than API Gateway's two-hour limit, or, past the handshake's
 * grace, answered `410 Gone` by `@connections`. Returns how many it forgot.
 */
async function forgetClosedSockets(
  owner: string,
  now: Date,
  isOpen: (connectionId: string) => Promise<boolean>,
): Promise<number> {
  const sockets = await socketsOf(owner);
  const closed = await Promise.all(sockets.map((socket) => isClosed(socket, now, isOpen)));
  const gone = sockets.filter((_, index) => closed[index]);
  await Promise.all(gone.map((socket) => forgetGoneSocket(owner, socket)));
  return gone.length;
}

/**
 * Whether a socket is closed: older than API Gateway's two-hour limit, or, past the handshake's grace, answered
 * `410 Gone` by `@connections` (a younger one may be inside its own `$connect`, which is answered 410 too).
 */
export async function isClosed(
  socket: Pick<Connection, "connectionId" | "connectedAt">,
  now: Date,
  isOpen: (connectionId: string) => Promise<boolean>,
): Promise<boolean> {
  const age = now.getTime() - Date.parse(socket.connectedAt);
  if (!(age <= CONNECTION_TTL_SECONDS * 1000)) return true;
  return age > CONNECT_GRACE_MS && !(await isOpen(socket.connectionId));
}

/** Removes a socket from its user's set. */
export async function forgetSocket(owner: string, entry: string): Promise<void> {
  await documentClient.send(
    new UpdateCommand({
      TableName: table(),
      Key: ownerKey(owner),
      UpdateExpression: "DELETE sockets :entry",
      ExpressionAttributeValues: { ":entry": new Set([entry]) },
    }),
  );
}

/** Forgets a socket a push found gone: its entry in its user's set and its row. */
export async function forgetGoneSocket(owner: string, socket: Socket): Promise<void> {
  await forgetSocket(owner, socket.entry);
  await documentClient.send(
    new DeleteCommand({ TableName: table(), Key: { connectionId: socket.connectionId } }),
  );
}

/** Forgets a connection: its entry in its user's set, then its row. */
export async function deleteConnection(connectionId: string): Promise<void> {
  const connection = await getConnection(connectionId);
  if (connection?.owner && connection.socketEntry)
    await forgetSocket(connection.owner, connection.socketEntry);
  await documentClient.send(new DeleteCommand({ TableName: table(), Key: { connectionId } }));
}

export async function getConnection(connectionId: string): Promise<Connection | undefined> {
  const { Item } = await documentClient.send(
    new GetCommand({ TableName: table(), Key: { connectionId }, ConsistentRead: true }),
  );
  return Item as Connection | undefined;
}

/** Every open socket of a user, read consistently: a socket that opened a moment ago is among them. */
export async function socketsOf(owner: string): Promise<Socket[]> {
  const { Item } = await documentClient.send(
    new GetCommand({
      TableName: table(),
      Key: ownerKey(owner),
      ConsistentRead: true,
      ProjectionExpression: "sockets",
    }),
  );
  const entries = (Item?.sockets as Set<string> | undefined) ?? new Set<string>();
  return [...entries].map(socketOf);
}
