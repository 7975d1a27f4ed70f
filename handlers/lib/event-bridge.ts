import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { SDK_CLIENT_DEFAULTS } from "./sdk-defaults.ts";

// One client per execution environment; AWS_ENDPOINT_URL_EVENTBRIDGE points it at the local bus in tests and
// the runner. cacheMiddleware as for SQS: nothing changes the client's middleware stack after it is created.
export const eventBridgeClient = new EventBridgeClient({ ...SDK_CLIENT_DEFAULTS, cacheMiddleware: true });
