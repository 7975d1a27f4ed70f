/**
 * Every deployed function and the entry file it is bundled from (relative to the project root).
 * The bundler builds exactly these, and the stack creates one function per name.
 */
export const HANDLER_ENTRIES = {
  "items-create": "handlers/items/create.ts",
  "items-read": "handlers/items/read.ts",
  "items-update": "handlers/items/update.ts",
  "items-delete": "handlers/items/delete.ts",
  notification: "handlers/notification.ts",
  "ws-connect": "handlers/websocket/connect.ts",
  "ws-disconnect": "handlers/websocket/disconnect.ts",
  "ws-default": "handlers/websocket/default.ts",
} as const;

export type HandlerName = keyof typeof HANDLER_ENTRIES;

export const HANDLER_NAMES = Object.keys(HANDLER_ENTRIES) as HandlerName[];
