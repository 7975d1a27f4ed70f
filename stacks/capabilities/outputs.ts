import { TerraformOutput } from "cdktf";
import type { Construct } from "constructs";
import type { ApiKeyAccess } from "../constructs/api-key-access.ts";
import type { RestApi } from "../constructs/rest-api.ts";
import type { ServiceAlarms } from "../constructs/service-alarms.ts";
import type { ServiceQueues } from "../constructs/service-queues.ts";
import type { StaticSite } from "../constructs/static-site.ts";
import type { UserDirectory } from "../constructs/user-directory.ts";
import type { WebSocketApi } from "../constructs/websocket-api.ts";
import { QUEUE_NAMES, type QueueName } from "../names.ts";
import type { Storage } from "./storage.ts";

export interface Outputs {
  readonly restApi: RestApi;
  readonly apiKeyAccess: ApiKeyAccess;
  readonly websocket: WebSocketApi;
  readonly queues: ServiceQueues<QueueName>;
  readonly storage: Storage;
  readonly alarms: ServiceAlarms;
  readonly users: UserDirectory;
  readonly site: StaticSite;
}

/** Step 9: what operators and clients need after a deploy (`terraform output`). */
export function addOutputs(scope: Construct, outputs: Outputs): void {
  new TerraformOutput(scope, "rest_url", { value: outputs.restApi.stage.invokeUrl });
  new TerraformOutput(scope, "api_key_id", { value: outputs.apiKeyAccess.apiKey.id });
  new TerraformOutput(scope, "websocket_url", { value: outputs.websocket.stage.invokeUrl });
  for (const queueName of QUEUE_NAMES) {
    new TerraformOutput(scope, `${queueName}_queue_url`, { value: outputs.queues.queues[queueName].url });
  }
  new TerraformOutput(scope, "dead_letter_queue_url", { value: outputs.queues.deadLetterQueue.url });
  for (const [name, table] of Object.entries(outputs.storage)) {
    new TerraformOutput(scope, `${name}_table_name`, { value: table.table.name });
  }
  new TerraformOutput(scope, "alarm_topic_arn", { value: outputs.alarms.topic.arn });
  const { users } = outputs;
  new TerraformOutput(scope, "user_pool_id", { value: users.userPool.id });
  new TerraformOutput(scope, "token_issuer", { value: users.issuer });
  new TerraformOutput(scope, "web_client_id", { value: users.webClient.id });
  new TerraformOutput(scope, "hosted_ui_domain", { value: users.domain.domain });
  if (users.machineClient) new TerraformOutput(scope, "machine_client_id", { value: users.machineClient.id });
  new TerraformOutput(scope, "site_url", { value: `${outputs.site.origin}/` });
  new TerraformOutput(scope, "site_distribution_id", { value: outputs.site.distribution.id });
}
