import type { Construct } from "constructs";
import type { EnvironmentConfig } from "../../environments/environment-config.ts";
import { EncryptedTable } from "../constructs/encrypted-table.ts";
import { ITEMS_BY_OWNER_INDEX } from "../names.ts";

/** The service's tables. */
export interface Storage {
  /** Items, one per id; each user's newest first through the owner index. */
  readonly items: EncryptedTable;
  /**
   * Open WebSocket connections, each its user's, and per user the set of their sockets (handlers/lib/connections.ts):
   * pushes read it consistently, where an index would lag behind a socket that just opened.
   */
  readonly connections: EncryptedTable;
  /** The outcome of each request, kept for a day. */
  readonly requests: EncryptedTable;
}

/**
 * Step 2: the tables, encrypted with the environment's key. Their construct ids are part of their
 * Terraform addresses: renaming one replaces the table and loses its data.
 */
export function addStorage(scope: Construct, config: EnvironmentConfig, keyArn: string): Storage {
  const prefix = config.namePrefix;
  const defaults = {
    kmsKeyArn: keyArn,
    pointInTimeRecovery: config.pointInTimeRecovery,
    deletionProtection: config.deletionProtection,
  };
  return {
    items: new EncryptedTable(scope, "items-table", {
      ...defaults,
      tableName: `${prefix}-items`,
      partitionKey: "id",
      globalIndexes: [{ name: ITEMS_BY_OWNER_INDEX, partitionKey: "owner", sortKey: "created_at" }],
      // Domain events come from the table: every committed change, with the item before and after it.
      streamViewType: "NEW_AND_OLD_IMAGES",
      // Only tombstones carry it: a deleted item's row goes once no command that could touch it may be applied.
      ttlAttribute: "expires_at",
    }),
    connections: new EncryptedTable(scope, "connections-table", {
      ...defaults,
      tableName: `${prefix}-connections`,
      partitionKey: "connectionId",
      ttlAttribute: "expiresAt",
    }),
    requests: new EncryptedTable(scope, "requests-table", {
      ...defaults,
      tableName: `${prefix}-requests`,
      partitionKey: "requestId",
      ttlAttribute: "expiresAt",
    }),
  };
}
