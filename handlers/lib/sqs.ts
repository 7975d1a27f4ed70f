import { SQSClient } from "@aws-sdk/client-sqs";
import { tracer } from "./powertools.ts";
import { SDK_CLIENT_DEFAULTS } from "./sdk-defaults.ts";

// cacheMiddleware: the middleware chain is resolved once per command type instead of on every send, which
// is safe because nothing changes the stack after the tracer's capture.
export const sqsClient = tracer.captureAWSv3Client(
  new SQSClient({ ...SDK_CLIENT_DEFAULTS, cacheMiddleware: true }),
);
