import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { tracer } from "./powertools.ts";

// One client per execution environment; AWS_ENDPOINT_URL_EVENTBRIDGE points it at the local bus in tests and
// the runner. cacheMiddleware as for SQS: nothing changes the stack after the tracer's capture.
export const eventBridgeClient = tracer.captureAWSv3Client(new EventBridgeClient({ cacheMiddleware: true }));
