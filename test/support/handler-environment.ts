import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { dev } from "../../environments/dev.ts";
import { ENV, JOBS_ENV } from "../../handlers/lib/environment.ts";
import { createTables, type DynamoPeer, localClient, startDynamo } from "../../local/dynamodb.ts";
import { SqsBroker } from "../../local/sqs/broker.ts";
import { type SqsEndpoint, startSqsEndpoint } from "../../local/sqs/endpoint.ts";
import { ITEMS_BY_OWNER_INDEX } from "../../stacks/names.ts";
import { readTables } from "../../synthesized/service-model.ts";
import { synthesizedStack } from "./synthesized.ts";
import { startWebSocketPeer, type WebSocketPeer } from "./websocket-peer.ts";

export interface HandlerPeers {
  dynamo: DynamoPeer;
  /** A document client on the local tables, for a test to arrange and inspect items. */
  documents: DynamoDBDocumentClient;
  /** The runner's SQS endpoint, with the notifications queue the handlers publish outcomes to. */
  sqs: SqsEndpoint & {
    /** Outcomes published so far, oldest first. */
    sent(): Array<{ body: string; attributes: Record<string, { DataType: string; StringValue?: string }> }>;
    /** Forgets what was published. */
    reset(): void;
  };
  websocket: WebSocketPeer;
  tables: { items: string; connections: string; requests: string; jobRuns: string };
  close(): Promise<void>;
}

/**
 * Starts the real protocol peers on loopback, creates the dev stack's tables in them, and points the
 * handlers' SDK clients at them through the standard AWS_ENDPOINT_URL_* variables. Call before
 * importing a handler module: its clients are created at import.
 */
export async function startHandlerPeers(): Promise<HandlerPeers> {
  const notifications = `${dev.namePrefix}-notifications`;
  const broker = new SqsBroker([
    {
      name: notifications,
      arn: `arn:aws:sqs:eu-west-1:000000000000:${notifications}`,
      visibilityTimeoutSeconds: 65,
    },
  ]);
  const [dynamo, endpoint, websocket] = await Promise.all([
    startDynamo(process.cwd()),
    startSqsEndpoint(broker),
    startWebSocketPeer(),
  ]);
  const sqs: HandlerPeers["sqs"] = {
    ...endpoint,
    sent: () =>
      broker
        .peek(notifications)
        .map((message) => ({ body: message.body, attributes: { ...message.attributes } })),
    reset: () => {
      for (const message of broker.receive(notifications, Number.MAX_SAFE_INTEGER))
        broker.delete(notifications, message.receiptHandle ?? "");
    },
  };
  const stack = synthesizedStack("dev");
  await createTables(readTables(stack), dynamo.endpoint);
  const tables = {
    items: `${dev.namePrefix}-items`,
    connections: `${dev.namePrefix}-connections`,
    requests: `${dev.namePrefix}-requests`,
    jobRuns: `${dev.namePrefix}-job-runs`,
  };
  Object.assign(process.env, {
    AWS_REGION: "eu-west-1",
    AWS_ACCESS_KEY_ID: "test",
    AWS_SECRET_ACCESS_KEY: "test",
    // One attempt: a fault must reach the handler's own retry logic, not the SDK's backoff.
    AWS_MAX_ATTEMPTS: "1",
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    AWS_ENDPOINT_URL_SQS: sqs.url,
    POWERTOOLS_LOG_LEVEL: "SILENT",
    POWERTOOLS_METRICS_NAMESPACE: "EventCrudTest",
    POWERTOOLS_SERVICE_NAME: "test",
    POWERTOOLS_METRICS_DISABLED: "true",
    [ENV.itemsTable]: tables.items,
    [ENV.connectionsTable]: tables.connections,
    [ENV.requestsTable]: tables.requests,
    [JOBS_ENV.jobRunsTable]: tables.jobRuns,
    [ENV.itemsByOwnerIndex]: ITEMS_BY_OWNER_INDEX,
    [ENV.maxConnectionsPerUser]: "3",
    [ENV.notificationsQueueUrl]: sqs.queueUrl(notifications),
    [ENV.websocketCallbackUrl]: websocket.callbackUrl,
  });
  const documents = DynamoDBDocumentClient.from(localClient(dynamo.endpoint));
  return {
    dynamo,
    documents,
    sqs,
    websocket,
    tables,
    close: async () => {
      documents.destroy();
      await Promise.all([dynamo.close(), sqs.close(), websocket.close()]);
      broker.close();
    },
  };
}
