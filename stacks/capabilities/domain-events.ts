import type { Construct } from "constructs";
import type { EnvironmentConfig } from "../../environments/environment-config.ts";
import { ITEM_EVENT_SOURCE } from "../../handlers/item-events/contract.ts";
import type { BundledFunction } from "../constructs/bundled-function.ts";
import { DomainEvents } from "../constructs/domain-events.ts";
import type { EncryptedTable } from "../constructs/encrypted-table.ts";
import type { ServiceAlarms } from "../constructs/service-alarms.ts";
import type { Foundation } from "./foundation.ts";

/**
 * Domain events, part 1: the bus, its archive, audit log and webhooks, and the failure queue; before the functions
 * step, which gives the publisher its access to them.
 */
export function addDomainEvents(
  scope: Construct,
  config: EnvironmentConfig,
  foundation: Foundation,
): DomainEvents {
  return new DomainEvents(scope, "domain-events", {
    namePrefix: config.namePrefix,
    source: ITEM_EVENT_SOURCE,
    kmsKeyArn: foundation.keyArn,
    accountId: config.accountId,
    region: config.region,
    partition: foundation.partition,
    dnsSuffix: foundation.dnsSuffix,
    logRetentionDays: config.logRetentionDays,
    archiveRetentionDays: config.events.archiveRetentionDays,
    webhooks: config.events.webhooks,
  });
}

/** Domain events, part 2: the items table's stream feeds the publisher; every dead-letter queue gets its alarm. */
export function publishDomainEvents(
  events: DomainEvents,
  config: EnvironmentConfig,
  sources: { publisher: BundledFunction; items: EncryptedTable; alarms: ServiceAlarms },
): void {
  events.publishFrom({
    publisher: sources.publisher,
    streamArn: sources.items.table.streamArn,
    stream: config.events.stream,
    alarms: sources.alarms,
  });
}
