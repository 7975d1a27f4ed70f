import { ArchiveProvider } from "@cdktf/provider-archive/lib/provider";
import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { LocalBackend, S3Backend, TerraformOutput, TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import type { EnvironmentConfig } from "../environments/environment-config.ts";
import type { HandlerName } from "../handlers/catalogue.ts";
import { ENV } from "../handlers/lib/environment.ts";
import { ApiGatewayAccountLogging } from "./constructs/api-gateway-account.ts";
import { ApiKeyAccess } from "./constructs/api-key-access.ts";
import { BundledFunction } from "./constructs/bundled-function.ts";
import { EncryptedTable } from "./constructs/encrypted-table.ts";
import { EncryptionKey } from "./constructs/encryption-key.ts";
import { QueueSubscription } from "./constructs/queue-subscription.ts";
import { RestApi } from "./constructs/rest-api.ts";
import { ServiceAlarms } from "./constructs/service-alarms.ts";
import { ServiceDashboard } from "./constructs/service-dashboard.ts";
import { ServiceQueues } from "./constructs/service-queues.ts";
import { WebAcl } from "./constructs/web-acl.ts";
import { WebSocketApi } from "./constructs/websocket-api.ts";
import { type FunctionAccess, functionPermissions } from "./permissions.ts";

/** Queues carrying commands from the REST API, one per operation family. */
export const COMMAND_QUEUES = ["create", "read", "update", "delete"] as const;
export type CommandQueueName = (typeof COMMAND_QUEUES)[number];
export const QUEUE_NAMES = [...COMMAND_QUEUES, "notifications"] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

export const CONNECTIONS_BY_REQUEST_INDEX = "requestId-index";
export const WEBSOCKET_STAGE = "live";
export const REST_STAGE = "v1";
export const METRICS_NAMESPACE = "EventCrud";

export interface ServiceStackProps {
  readonly config: EnvironmentConfig;
  /** Bundle folder of every handler, from `bundleHandlers`. */
  readonly bundles: Readonly<Record<HandlerName, string>>;
}

/**
 * The whole service for one environment. Construct ids of stateful resources (key, tables, queues)
 * are part of their Terraform addresses: renaming one replaces the resource and loses its data.
 */
export class ServiceStack extends TerraformStack {
  readonly key: EncryptionKey;
  readonly tables: {
    readonly items: EncryptedTable;
    readonly connections: EncryptedTable;
    readonly requests: EncryptedTable;
  };
  readonly queues: ServiceQueues<QueueName>;
  readonly websocket: WebSocketApi;
  readonly restApi: RestApi;
  readonly functions: Readonly<Record<HandlerName, BundledFunction>>;
  readonly alarms: ServiceAlarms;

  constructor(scope: Construct, id: string, props: ServiceStackProps) {
    super(scope, id);
    const { config } = props;
    const prefix = config.namePrefix;

    new AwsProvider(this, "aws", {
      region: config.region,
      allowedAccountIds: [config.accountId],
      defaultTags: [{ tags: { ...config.tags } }],
    });
    new ArchiveProvider(this, "archive");
    this.configureBackend(config);
    // Resolved from the provider's own region, without an AWS call, so the stack still plans offline.
    const partition = new DataAwsPartition(this, "partition");

    this.key = new EncryptionKey(this, "encryption", {
      namePrefix: prefix,
      accountId: config.accountId,
      region: config.region,
      partition: partition.partition,
      dnsSuffix: partition.dnsSuffix,
      deletionWindowDays: config.kmsDeletionWindowDays,
    });
    const keyArn = this.key.key.arn;

    const tableDefaults = {
      kmsKeyArn: keyArn,
      pointInTimeRecovery: config.pointInTimeRecovery,
      deletionProtection: config.deletionProtection,
    };
    this.tables = {
      items: new EncryptedTable(this, "items-table", {
        ...tableDefaults,
        tableName: `${prefix}-items`,
        partitionKey: "id",
      }),
      connections: new EncryptedTable(this, "connections-table", {
        ...tableDefaults,
        tableName: `${prefix}-connections`,
        partitionKey: "connectionId",
        ttlAttribute: "expiresAt",
        globalIndexes: [{ name: CONNECTIONS_BY_REQUEST_INDEX, partitionKey: "requestId" }],
      }),
      requests: new EncryptedTable(this, "requests-table", {
        ...tableDefaults,
        tableName: `${prefix}-requests`,
        partitionKey: "requestId",
        ttlAttribute: "expiresAt",
      }),
    };
    const { items, connections, requests } = this.tables;

    this.queues = new ServiceQueues(this, "queues", {
      namePrefix: prefix,
      queueNames: QUEUE_NAMES,
      kmsKeyArn: keyArn,
      visibilityTimeoutSeconds: config.queues.visibilityTimeoutSeconds,
      messageRetentionSeconds: config.queues.messageRetentionSeconds,
      maxReceiveCount: config.queues.maxReceiveCount,
    });
    const queues = this.queues.queues;

    const accountLogging = config.ownsApiGatewayAccountSettings
      ? new ApiGatewayAccountLogging(this, "api-gateway-account", {
          roleName: `${prefix}-apigateway-cloudwatch`,
          accountId: config.accountId,
          region: config.region,
          partition: partition.partition,
        })
      : undefined;

    this.websocket = new WebSocketApi(this, "websocket", {
      apiName: `${prefix}-notifications`,
      stageName: WEBSOCKET_STAGE,
      kmsKeyArn: keyArn,
      logRetentionDays: config.logRetentionDays,
      throttlingBurstLimit: config.websocket.throttlingBurstLimit,
      throttlingRateLimit: config.websocket.throttlingRateLimit,
      accountSettings: accountLogging?.settings,
    });

    const itemsEnvironment = {
      [ENV.itemsTable]: items.table.name,
      [ENV.notificationsQueueUrl]: queues.notifications.url,
    };
    const itemCommand = (queue: CommandQueueName, actions: string[]): FunctionSpec => ({
      access: {
        consumes: queues[queue],
        sendsTo: [queues.notifications],
        tables: [{ name: "ItemsTable", arn: items.table.arn, actions }],
      },
      environment: itemsEnvironment,
    });
    const specs: Record<HandlerName, FunctionSpec> = {
      "items-create": itemCommand("create", ["dynamodb:GetItem", "dynamodb:PutItem"]),
      "items-read": itemCommand("read", ["dynamodb:GetItem", "dynamodb:Scan"]),
      "items-update": itemCommand("update", ["dynamodb:UpdateItem"]),
      "items-delete": itemCommand("delete", ["dynamodb:DeleteItem"]),
      notification: {
        access: {
          consumes: queues.notifications,
          tables: [
            {
              name: "RequestsTable",
              arn: requests.table.arn,
              actions: ["dynamodb:GetItem", "dynamodb:PutItem"],
            },
            {
              name: "ConnectionsByRequestIndex",
              arn: connections.indexArn(CONNECTIONS_BY_REQUEST_INDEX),
              actions: ["dynamodb:Query"],
            },
            { name: "ConnectionsTable", arn: connections.table.arn, actions: ["dynamodb:DeleteItem"] },
          ],
          managesConnections: this.websocket.connectionsArn,
        },
        environment: {
          [ENV.requestsTable]: requests.table.name,
          [ENV.connectionsTable]: connections.table.name,
          [ENV.connectionsByRequestIndex]: CONNECTIONS_BY_REQUEST_INDEX,
          [ENV.websocketCallbackUrl]: this.websocket.callbackUrl,
        },
      },
      "ws-connect": {
        access: {
          tables: [{ name: "ConnectionsTable", arn: connections.table.arn, actions: ["dynamodb:PutItem"] }],
        },
        environment: { [ENV.connectionsTable]: connections.table.name },
      },
      "ws-disconnect": {
        access: {
          tables: [
            { name: "ConnectionsTable", arn: connections.table.arn, actions: ["dynamodb:DeleteItem"] },
          ],
        },
        environment: { [ENV.connectionsTable]: connections.table.name },
      },
      "ws-default": {
        access: {
          tables: [
            { name: "ConnectionsTable", arn: connections.table.arn, actions: ["dynamodb:GetItem"] },
            { name: "RequestsTable", arn: requests.table.arn, actions: ["dynamodb:GetItem"] },
          ],
          managesConnections: this.websocket.connectionsArn,
        },
        environment: {
          [ENV.connectionsTable]: connections.table.name,
          [ENV.requestsTable]: requests.table.name,
          [ENV.websocketCallbackUrl]: this.websocket.callbackUrl,
        },
      },
    };

    const functions = {} as Record<HandlerName, BundledFunction>;
    for (const [name, spec] of Object.entries(specs) as Array<[HandlerName, FunctionSpec]>) {
      functions[name] = new BundledFunction(this, `${name}-function`, {
        functionName: `${prefix}-${name}`,
        bundleDirectory: props.bundles[name],
        permissions: functionPermissions(spec.access, keyArn),
        kmsKeyArn: keyArn,
        logRetentionDays: config.logRetentionDays,
        memoryMb: config.lambda.memoryMb,
        timeoutSeconds: config.lambda.timeoutSeconds,
        reservedConcurrency: config.lambda.reservedConcurrency,
        environment: {
          POWERTOOLS_SERVICE_NAME: name,
          POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
          ...spec.environment,
        },
      });
    }
    this.functions = functions;

    const consumers: Record<QueueName, HandlerName> = {
      create: "items-create",
      read: "items-read",
      update: "items-update",
      delete: "items-delete",
      notifications: "notification",
    };
    for (const queueName of QUEUE_NAMES) {
      new QueueSubscription(this, `${queueName}-subscription`, {
        queue: queues[queueName],
        function: functions[consumers[queueName]].function,
        batchSize: config.eventSource.batchSize,
        maxBatchingWindowSeconds: config.eventSource.maxBatchingWindowSeconds,
        maxConcurrency: config.eventSource.maxConcurrency,
      });
    }

    this.websocket.addRoute("connect", "$connect", functions["ws-connect"].function);
    this.websocket.addRoute("disconnect", "$disconnect", functions["ws-disconnect"].function);
    this.websocket.addRoute("default", "$default", functions["ws-default"].function);

    const restApiName = `${prefix}-items`;
    this.restApi = new RestApi(this, "rest-api", {
      apiName: restApiName,
      stageName: REST_STAGE,
      accountId: config.accountId,
      region: config.region,
      partition: partition.partition,
      kmsKeyArn: keyArn,
      logRetentionDays: config.logRetentionDays,
      commandQueues: {
        create: queues.create,
        read: queues.read,
        update: queues.update,
        delete: queues.delete,
      },
      // The physical name, not the attribute: templates stay plain text, so they can be rendered in tests.
      requestsTable: { name: `${prefix}-requests`, arn: requests.table.arn },
      corsAllowedOrigins: config.restApi.corsAllowedOrigins,
      throttlingBurstLimit: config.restApi.throttlingBurstLimit,
      throttlingRateLimit: config.restApi.throttlingRateLimit,
      accountSettings: accountLogging?.settings,
    });
    const apiKeyAccess = new ApiKeyAccess(this, "api-key-access", {
      name: restApiName,
      restApiId: this.restApi.api.id,
      stageName: this.restApi.stage.stageName,
      throttlingBurstLimit: config.restApi.throttlingBurstLimit,
      throttlingRateLimit: config.restApi.throttlingRateLimit,
    });
    if (config.restApi.waf) {
      new WebAcl(this, "web-acl", {
        name: restApiName,
        stageArn: this.restApi.stage.arn,
        requestsPerFiveMinutesPerIp: config.restApi.waf.requestsPerFiveMinutesPerIp,
      });
    }

    this.alarms = new ServiceAlarms(this, "alarms", {
      namePrefix: prefix,
      kmsKeyArn: keyArn,
      email: config.alarmEmail,
    });
    const queueNames = QUEUE_NAMES.map((name) => `${prefix}-${name}`);
    const deadLetterQueueName = `${prefix}-dlq`;
    this.alarms.watchDeadLetterQueue("dlq-not-empty", deadLetterQueueName);
    for (const queueName of QUEUE_NAMES) {
      this.alarms.watchQueueAge(
        `${queueName}-age`,
        `${prefix}-${queueName}`,
        config.queues.oldestMessageAlarmSeconds,
      );
    }
    const functionNames = Object.keys(functions).map((name) => `${prefix}-${name}`);
    for (const name of Object.keys(functions)) this.alarms.watchFunction(name, `${prefix}-${name}`);
    const tableNames = [`${prefix}-items`, `${prefix}-connections`, `${prefix}-requests`];
    for (const tableName of tableNames) this.alarms.watchTable(`${tableName}-throttles`, tableName);
    this.alarms.watchRestApi("rest-api", restApiName, REST_STAGE, config.restApi.latencyAlarmP99Ms);

    new ServiceDashboard(this, "dashboard", {
      dashboardName: prefix,
      region: config.region,
      queueNames,
      deadLetterQueueName,
      functionNames,
      tableNames,
    });

    new TerraformOutput(this, "rest_url", { value: this.restApi.stage.invokeUrl });
    new TerraformOutput(this, "api_key_id", { value: apiKeyAccess.apiKey.id });
    new TerraformOutput(this, "websocket_url", { value: this.websocket.stage.invokeUrl });
    for (const queueName of QUEUE_NAMES) {
      new TerraformOutput(this, `${queueName}_queue_url`, { value: queues[queueName].url });
    }
    new TerraformOutput(this, "dead_letter_queue_url", { value: this.queues.deadLetterQueue.url });
    for (const [name, table] of Object.entries(this.tables)) {
      new TerraformOutput(this, `${name}_table_name`, { value: table.table.name });
    }
    new TerraformOutput(this, "alarm_topic_arn", { value: this.alarms.topic.arn });
  }

  private configureBackend(config: EnvironmentConfig): void {
    if (config.backend.type === "local") {
      new LocalBackend(this, { path: `terraform.${config.name}.tfstate` });
      return;
    }
    const { bucket, key, region, kmsKeyId } = config.backend;
    new S3Backend(this, { bucket, key, region, encrypt: true, kmsKeyId });
    // Terraform 1.10+ locks state with a lock object in the bucket; cdktf 0.21 has no typed field for it.
    this.addOverride("terraform.backend.s3.use_lockfile", true);
  }
}

interface FunctionSpec {
  readonly access: FunctionAccess;
  readonly environment: Readonly<Record<string, string>>;
}
