import { COMMAND_QUEUES } from "../handlers/catalogue.ts";

/**
 * Names the stack, its constructs and the tests share. A leaf module: constructs import from here, never
 * from the stack that composes them.
 */

export { COMMAND_QUEUES, type CommandQueueName } from "../handlers/catalogue.ts";

/** Every queue the service consumes: the command queues and the outcomes on their way to clients. */
export const QUEUE_NAMES = [...COMMAND_QUEUES, "notifications"] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

/** A user's items, newest first: partition `owner`, sort `created_at`. */
export const ITEMS_BY_OWNER_INDEX = "owner-created-index";
export const WEBSOCKET_STAGE = "live";
export const REST_STAGE = "v1";
export const METRICS_NAMESPACE = "EventCrud";
