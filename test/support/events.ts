import { randomBytes, randomUUID } from "node:crypto";
import type { APIGatewayProxyWebsocketEventV2, Context, SQSEvent, SQSRecord } from "aws-lambda";

/** A Lambda context good enough for Powertools' logger and batch processor. */
/**
 * When the commands of a test run were accepted, by default: a minute before the run, so every command is recent
 * (consumers refuse one older than `COMMAND_MAX_AGE_SECONDS`); `ACCEPTED_AT + n` orders changes.
 */
export const ACCEPTED_AT = Date.now() - 60_000;

export function lambdaContext(functionName = "test-function"): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:eu-west-1:111111111111:function:${functionName}`,
    memoryLimitInMB: "512",
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: "test",
    getRemainingTimeInMillis: () => 10_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** A request id as API Gateway's templates make them: a URL-safe `extendedRequestId`. */
export function newRequestId(): string {
  return randomBytes(11).toString("base64url");
}

/** The `sub` of a test user. */
export const ALICE = "a11ce000-0000-4000-8000-000000000001";
export const BOB = "b0b00000-0000-4000-8000-000000000002";

export interface CommandFields {
  requestId?: string;
  owner?: string;
  operation?: string;
  id?: string | null;
  payload?: unknown;
  query?: unknown;
  requestedAt?: number;
}

/** The command envelope the REST API's mapping templates build, with overridable fields. */
export function commandBody(fields: CommandFields = {}): Record<string, unknown> {
  return {
    requestId: newRequestId(),
    owner: ALICE,
    operation: "create",
    id: null,
    payload: { name: "Widget" },
    query: null,
    requestedAt: ACCEPTED_AT,
    ...fields,
  };
}

/** An SQS record carrying `body` (serialized unless already a string) with the triage attributes. */
export function sqsRecord(
  body: unknown,
  options: { messageId?: string; receiveCount?: number } = {},
): SQSRecord {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  const fields = typeof body === "object" && body !== null ? (body as Record<string, unknown>) : {};
  const attribute = (value: unknown) =>
    typeof value === "string"
      ? { stringValue: value, dataType: "String", stringListValues: [], binaryListValues: [] }
      : undefined;
  const messageAttributes: SQSRecord["messageAttributes"] = {};
  const requestId = attribute(fields.requestId);
  const operation = attribute(fields.operation);
  if (requestId) messageAttributes.requestId = requestId;
  if (operation) messageAttributes.operation = operation;
  return {
    messageId: options.messageId ?? randomUUID(),
    receiptHandle: randomUUID(),
    body: text,
    attributes: {
      ApproximateReceiveCount: String(options.receiveCount ?? 1),
      SentTimestamp: "1700000000000",
      SenderId: "AROAEXAMPLE",
      ApproximateFirstReceiveTimestamp: "1700000000000",
    },
    messageAttributes,
    md5OfBody: "",
    eventSource: "aws:sqs",
    eventSourceARN: "arn:aws:sqs:eu-west-1:111111111111:crud-dev-create",
    awsRegion: "eu-west-1",
  };
}

export function sqsEvent(...records: SQSRecord[]): SQSEvent {
  return { Records: records };
}

/**
 * A WebSocket route event as API Gateway sends it to a Lambda proxy integration; `$connect` carries what its
 * authorizer allowed (`principal`, the user's `sub`).
 */
export function websocketEvent(
  routeKey: "$connect" | "$disconnect" | "$default",
  connectionId: string,
  options: {
    body?: string;
    queryStringParameters?: Record<string, string>;
    principal?: string;
    /** Epoch seconds at which the authorizer's token expires. @default an hour from now */
    tokenExpiresAt?: number;
  } = {},
): APIGatewayProxyWebsocketEventV2 & { queryStringParameters?: Record<string, string> } {
  return {
    requestContext: {
      routeKey,
      connectionId,
      messageId: randomUUID(),
      eventType: routeKey === "$connect" ? "CONNECT" : routeKey === "$disconnect" ? "DISCONNECT" : "MESSAGE",
      extendedRequestId: randomUUID(),
      requestTime: "22/Nov/2026:10:00:00 +0000",
      messageDirection: "IN",
      stage: "live",
      connectedAt: Date.now(),
      requestTimeEpoch: Date.now(),
      requestId: randomUUID(),
      domainName: "example.execute-api.eu-west-1.amazonaws.com",
      apiId: "example",
      ...(options.principal
        ? {
            authorizer: {
              principalId: options.principal,
              tokenExpiresAt: String(options.tokenExpiresAt ?? Math.floor(Date.now() / 1000) + 3600),
            },
          }
        : {}),
    },
    body: options.body,
    isBase64Encoded: false,
    ...(options.queryStringParameters ? { queryStringParameters: options.queryStringParameters } : {}),
  } as APIGatewayProxyWebsocketEventV2 & { queryStringParameters?: Record<string, string> };
}
