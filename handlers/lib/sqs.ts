import { SQSClient } from "@aws-sdk/client-sqs";
import { SDK_CLIENT_DEFAULTS } from "./sdk-defaults.ts";

// cacheMiddleware: the middleware chain is resolved once per command type instead of on every send, which
// is safe because nothing changes the client's middleware stack after it is created.
export const sqsClient = new SQSClient({ ...SDK_CLIENT_DEFAULTS, cacheMiddleware: true });
