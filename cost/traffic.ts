import { OPERATION_CATALOGUE, OPERATIONS, type Operation } from "../handlers/catalogue.ts";
import type { Traffic } from "./model.ts";

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
 * How one request drives the service, as the web client uses it: it opens a WebSocket subscribed to the request
 * (ws-connect), receives the outcome the notification function pushes, asks for the status once in ten
 * requests (ws-default), and closes (ws-disconnect) after about a minute. The command consumer of the operation
 * runs once per command, and the notification function once per outcome.
 */
export function serviceTraffic(mix: Readonly<Record<Operation, number>> = OPERATION_MIX): Traffic {
  const total = OPERATIONS.reduce((sum, operation) => sum + mix[operation], 0);
  if (Math.abs(total - 1) > 1e-9) throw new Error(`The operation mix must add up to 1, got ${total}`);
  const invocationsPerRequest: Record<string, number> = {};
  for (const operation of OPERATIONS) {
    const { handler } = OPERATION_CATALOGUE[operation];
    invocationsPerRequest[handler] = (invocationsPerRequest[handler] ?? 0) + mix[operation];
  }
  const websocket = { connectionsPerRequest: 1, minutesPerConnection: 1, inboundMessagesPerRequest: 0.1 };
  return {
    invocationsPerRequest: {
      ...invocationsPerRequest,
      notification: 1,
      "ws-connect": websocket.connectionsPerRequest,
      "ws-disconnect": websocket.connectionsPerRequest,
      "ws-default": websocket.inboundMessagesPerRequest,
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
  };
}
