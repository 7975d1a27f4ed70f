import { dev } from "../../environments/dev.ts";
import { ENV } from "../../handlers/lib/environment.ts";
import { createTablesOf, type DynamoPeer, startDynamo } from "../../local/dynamodb.ts";
import { CONNECTIONS_BY_REQUEST_INDEX } from "../../stacks/service-stack.ts";
import { type SqsPeer, startSqsPeer } from "./sqs-peer.ts";
import { synthesizedStack } from "./synthesized.ts";
import { startWebSocketPeer, type WebSocketPeer } from "./websocket-peer.ts";

export interface HandlerPeers {
  dynamo: DynamoPeer;
  sqs: SqsPeer;
  websocket: WebSocketPeer;
  tables: { items: string; connections: string; requests: string };
  close(): Promise<void>;
}

/**
 * Starts the real protocol peers on loopback, creates the dev stack's tables in them, and points the
 * handlers' SDK clients at them through the standard AWS_ENDPOINT_URL_* variables. Call before
 * importing a handler module: its clients are created at import.
 */
export async function startHandlerPeers(): Promise<HandlerPeers> {
  const [dynamo, sqs, websocket] = await Promise.all([startDynamo(), startSqsPeer(), startWebSocketPeer()]);
  const stack = synthesizedStack("dev");
  await createTablesOf(stack, dynamo.endpoint);
  const tables = {
    items: `${dev.namePrefix}-items`,
    connections: `${dev.namePrefix}-connections`,
    requests: `${dev.namePrefix}-requests`,
  };
  Object.assign(process.env, {
    AWS_REGION: "eu-west-1",
    AWS_ACCESS_KEY_ID: "test",
    AWS_SECRET_ACCESS_KEY: "test",
    // One attempt: a fault must reach the handler's own retry logic, not the SDK's backoff.
    AWS_MAX_ATTEMPTS: "1",
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    AWS_ENDPOINT_URL_SQS: sqs.endpoint,
    POWERTOOLS_LOG_LEVEL: "SILENT",
    POWERTOOLS_METRICS_NAMESPACE: "EventCrudTest",
    POWERTOOLS_SERVICE_NAME: "test",
    POWERTOOLS_METRICS_DISABLED: "true",
    [ENV.itemsTable]: tables.items,
    [ENV.connectionsTable]: tables.connections,
    [ENV.requestsTable]: tables.requests,
    [ENV.connectionsByRequestIndex]: CONNECTIONS_BY_REQUEST_INDEX,
    [ENV.notificationsQueueUrl]: sqs.queueUrl(`${dev.namePrefix}-notifications`),
    [ENV.websocketCallbackUrl]: websocket.callbackUrl,
  });
  return {
    dynamo,
    sqs,
    websocket,
    tables,
    close: async () => {
      await Promise.all([dynamo.close(), sqs.close(), websocket.close()]);
    },
  };
}
