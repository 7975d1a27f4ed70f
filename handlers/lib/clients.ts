import { ApiGatewayManagementApiClient } from "@aws-sdk/client-apigatewaymanagementapi";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SQSClient } from "@aws-sdk/client-sqs";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { ENV, requireEnv } from "./environment.ts";
import { tracer } from "./powertools.ts";

// Endpoints follow the SDK's standard AWS_ENDPOINT_URL_* variables, which is how tests and the local
// runner point the same code at local peers.
export const documentClient = DynamoDBDocumentClient.from(tracer.captureAWSv3Client(new DynamoDBClient({})), {
  marshallOptions: { removeUndefinedValues: true },
});

export const sqsClient = tracer.captureAWSv3Client(new SQSClient({}));

let connectionsClient: ApiGatewayManagementApiClient | undefined;

/** The `@connections` client of the WebSocket stage, created on first use (its endpoint is per stage). */
export function websocketConnections(): ApiGatewayManagementApiClient {
  connectionsClient ??= tracer.captureAWSv3Client(
    new ApiGatewayManagementApiClient({ endpoint: requireEnv(ENV.websocketCallbackUrl) }),
  );
  return connectionsClient;
}
