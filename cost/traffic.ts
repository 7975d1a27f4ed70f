import { OPERATION_CATALOGUE, OPERATIONS, type Operation } from "../handlers/catalogue.ts";
import type { Traffic } from "./model.ts";

const ITEM_WRITE_ACTIONS: ReadonlySet<string> = new Set([
  "dynamodb:PutItem",
  "dynamodb:UpdateItem",
  "dynamodb:DeleteItem",
]);

/**
 * The request mix an estimate assumes: what share of requests each operation is. Reads dominate a CRUD
 * service; every request is one REST call answered 202.
 */
export const OPERATION_MIX: Readonly<Record<Operation, number>> = {
  create: 0.2,
  get: 0.35,
  list: 0.15,
  update: 0.2,
  delete: 0.1,
};

/**
 * How one request drives the service, as the web client uses it: a signed-in tab keeps one WebSocket (opened
 * through the authorizer, ws-authorizer and ws-connect, closed by ws-disconnect) for about twenty requests over
 * ten minutes, receives each outcome the notification function pushes, and asks for a status once in ten requests
 * (ws-default). The command consumer of the operation runs once per command, the notification function once per
 * outcome. A user makes about 200 requests in a month; a machine client caches its token for its hour.
 */
export function serviceTraffic(mix: Readonly<Record<Operation, number>> = OPERATION_MIX): Traffic {
  const total = OPERATIONS.reduce((sum, operation) => sum + mix[operation], 0);
  if (Math.abs(total - 1) > 1e-9) throw new Error(`The operation mix must add up to 1, got ${total}`);
  const invocationsPerRequest: Record<string, number> = {};
  for (const operation of OPERATIONS) {
    const { handler } = OPERATION_CATALOGUE[operation];
    invocationsPerRequest[handler] = (invocationsPerRequest[handler] ?? 0) + mix[operation];
  }
  // Every stored change of an item is one event on the bus, and one invocation of its publisher when traffic is
  // light (a stream batch of one record; batches grow with load, so this is the upper bound).
  const changesPerRequest = OPERATIONS.filter((operation) =>
    OPERATION_CATALOGUE[operation].itemsTableActions.some((action) => ITEM_WRITE_ACTIONS.has(action)),
  ).reduce((sum, operation) => sum + mix[operation], 0);
  // One file of about 1 MB (some 10,000 rows) per 10,000 requests: a user importing now and then.
  const imports = { filesPerRequest: 0.0001, bytesPerFile: 1024 * 1024 };
  const websocket = { connectionsPerRequest: 0.05, minutesPerConnection: 10, inboundMessagesPerRequest: 0.1 };
  return {
    invocationsPerRequest: {
      ...invocationsPerRequest,
      notification: 1,
      "ws-authorizer": websocket.connectionsPerRequest,
      "ws-connect": websocket.connectionsPerRequest,
      "ws-disconnect": websocket.connectionsPerRequest,
      "ws-default": websocket.inboundMessagesPerRequest,
      "item-events": changesPerRequest,
      importer: imports.filesPerRequest,
      // One upload URL per file.
      "import-upload": imports.filesPerRequest,
    },
    restCallsPerRequest: 1,
    commandMessagesPerRequest: 1,
    // The largest valid body makes a command under 16 KiB (handlers/lib/limits.ts): one 64 KB SQS chunk.
    commandBytes: 16 * 1024,
    websocket,
    recordsPerBatch: 1,
    coldStartShare: 0.01,
    awsCallMs: 5,
    // Lambda polls each subscribed queue with five long polls of 20 s at a time while it is idle.
    idleReceivesPerQueuePerMonth: 5 * 3 * 60 * 24 * 30.4375,
    tracing: { reservoirPerSecond: 1, rate: 0.05 },
    // An item event is under 1 KB: the envelope, ids, and the changed fields of one item (at most 16 KiB of body).
    domainEvents: { changesPerRequest, eventBytes: 1024 },
    // A load fetches the page, its config, three scripts and a stylesheet (about 12 KB compressed); index.html and
    // config.json are never cached, so two of six fetches reach the bucket. A user makes about 20 requests per load.
    site: {
      pageLoadsPerRequest: 0.05,
      filesPerPageLoad: 6,
      bytesPerPageLoad: 12 * 1024,
      originFetchShare: 2 / 6,
      storedBytes: 64 * 1024,
      accessLogBytesPerFetch: 600,
    },
    imports,
    identity: {
      requestsPerActiveUser: 200,
      freeActiveUsers: 10_000,
      machineTokensPerClientPerMonth: 24 * 30.4375,
    },
  };
}
