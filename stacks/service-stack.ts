import { Lazy, TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import type { EnvironmentConfig } from "../environments/environment-config.ts";
import type { HandlerName } from "../handlers/catalogue.ts";
import { addDomainEvents, publishDomainEvents } from "./capabilities/domain-events.ts";
import { addFoundation } from "./capabilities/foundation.ts";
import { addFunctions } from "./capabilities/functions.ts";
import { addIdentity } from "./capabilities/identity.ts";
import { addImports, importUploads } from "./capabilities/imports.ts";
import { addMessaging } from "./capabilities/messaging.ts";
import { addObservability } from "./capabilities/observability.ts";
import { addOutputs } from "./capabilities/outputs.ts";
import { addRestEdge } from "./capabilities/rest-edge.ts";
import { addScheduledJobs, scheduleJobs } from "./capabilities/scheduled-jobs.ts";
import { addSite, configuredSiteOrigin } from "./capabilities/site.ts";
import { addStorage, type Storage } from "./capabilities/storage.ts";
import { addWebSocketEdge, routeWebSocket } from "./capabilities/websocket-edge.ts";
import type { BulkImport } from "./constructs/bulk-import.ts";
import type { BundledFunction } from "./constructs/bundled-function.ts";
import type { DomainEvents } from "./constructs/domain-events.ts";
import type { EncryptionKey } from "./constructs/encryption-key.ts";
import type { RestApi } from "./constructs/rest-api.ts";
import type { ScheduledJobs } from "./constructs/scheduled-jobs.ts";
import type { ServiceAlarms } from "./constructs/service-alarms.ts";
import type { ServiceQueues } from "./constructs/service-queues.ts";
import type { StaticSite } from "./constructs/static-site.ts";
import type { UserDirectory } from "./constructs/user-directory.ts";
import type { WebSocketApi } from "./constructs/websocket-api.ts";
import type { QueueName } from "./names.ts";
import type { SiteBuild } from "./site-build.ts";

export interface ServiceStackProps {
  readonly config: EnvironmentConfig;
  /** Bundle folder of every handler, from `bundleHandlers`. */
  readonly bundles: Readonly<Record<HandlerName, string>>;
  /** The web app, built once (`buildSite`) for every stack. */
  readonly site: SiteBuild;
}

/**
 * The whole service for one environment, composed from its capabilities in dependency order. Each step
 * (`stacks/capabilities/`) adds its constructs directly to this stack, so their Terraform addresses do not
 * depend on how the steps are grouped: construct ids of stateful resources (key, tables, queues) are part of
 * those addresses, and renaming one replaces the resource and loses its data. A new capability is a construct
 * of its own in `stacks/constructs/`, added here in one line.
 */
export class ServiceStack extends TerraformStack {
  readonly key: EncryptionKey;
  readonly users: UserDirectory;
  readonly tables: Storage;
  readonly queues: ServiceQueues<QueueName>;
  readonly websocket: WebSocketApi;
  readonly restApi: RestApi;
  readonly functions: Readonly<Record<HandlerName, BundledFunction>>;
  readonly alarms: ServiceAlarms;
  readonly domainEvents: DomainEvents;
  readonly site: StaticSite;
  readonly jobs: ScheduledJobs;
  readonly imports: BulkImport;

  constructor(scope: Construct, id: string, props: ServiceStackProps) {
    super(scope, id);
    const { config, bundles } = props;
    const foundation = addFoundation(this, config);
    this.key = foundation.key;
    this.users = addIdentity(this, config);
    this.tables = addStorage(this, config, foundation.keyArn);
    this.queues = addMessaging(this, config, foundation.keyArn);
    this.websocket = addWebSocketEdge(this, config, foundation);
    this.domainEvents = addDomainEvents(this, config, foundation);
    // Before the functions: the canary calls the REST API, and its secret holds the API key. The API's CORS
    // origins need the site's origin, and the site's CSP needs the API: the origin is read lazily.
    const siteOrigin = configuredSiteOrigin(config) ?? Lazy.stringValue({ produce: () => this.site.origin });
    const uploadUrls = liveAliasOf(() => this.functions["import-upload"]);
    const rest = addRestEdge(
      this,
      config,
      foundation,
      this.users,
      this.tables,
      this.queues,
      siteOrigin,
      uploadUrls,
    );
    this.restApi = rest.api;
    this.jobs = addScheduledJobs(this, config, foundation, {
      users: this.users,
      apiKeyAccess: rest.apiKeyAccess,
    });
    this.imports = addImports(this, config, foundation);
    this.functions = addFunctions(this, {
      config,
      bundles,
      foundation,
      storage: this.tables,
      queues: this.queues,
      websocket: this.websocket,
      identity: this.users,
      domainEvents: this.domainEvents,
      jobs: this.jobs,
      restApi: this.restApi,
      imports: this.imports,
    });
    importUploads(this.imports, this.functions.importer);
    routeWebSocket(this.websocket, this.functions);
    this.alarms = addObservability(this, config, foundation.keyArn, {
      queues: this.queues,
      functions: this.functions,
      storage: this.tables,
      restApi: this.restApi,
    });
    publishDomainEvents(this.domainEvents, config, {
      publisher: this.functions["item-events"],
      items: this.tables.items,
      alarms: this.alarms,
    });
    scheduleJobs(this.jobs, config, this.functions, this.alarms);
    this.site = addSite(this, config, {
      build: props.site,
      foundation,
      restApi: this.restApi,
      apiKeyAccess: rest.apiKeyAccess,
      websocket: this.websocket,
      users: this.users,
    });
    this.users.allowRedirectsTo(`${this.site.origin}/`);
    addOutputs(this, {
      restApi: this.restApi,
      apiKeyAccess: rest.apiKeyAccess,
      websocket: this.websocket,
      queues: this.queues,
      storage: this.tables,
      alarms: this.alarms,
      users: this.users,
      site: this.site,
    });
  }
}

/**
 * A function's live alias as an API integration names it, read when the stack is synthesized: the REST API comes
 * before the functions (the canary's secret holds its API key), yet one of its routes invokes a function.
 */
function liveAliasOf(fn: () => BundledFunction): {
  invokeArn: string;
  functionName: string;
  qualifier: string;
} {
  return {
    invokeArn: Lazy.stringValue({ produce: () => fn().alias.invokeArn }),
    functionName: Lazy.stringValue({ produce: () => fn().function.functionName }),
    qualifier: Lazy.stringValue({ produce: () => fn().alias.name }),
  };
}
