import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { SDK_CLIENT_DEFAULTS } from "./sdk-defaults.ts";

// One client per execution environment. Endpoints follow the SDK's standard AWS_ENDPOINT_URL_*
// variables, which is how tests and the local runner point the same code at local peers. No cacheMiddleware
// here: lib-dynamodb refuses it (its commands close over their first input).
export const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient({ ...SDK_CLIENT_DEFAULTS }), {
  marshallOptions: { removeUndefinedValues: true },
});
