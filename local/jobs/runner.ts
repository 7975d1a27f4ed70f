import type { IncomingMessage, ServerResponse } from "node:http";
import { JOB_NAMES } from "../../handlers/jobs/contract.ts";
import { JOBS_ENV } from "../../handlers/lib/environment.ts";
import { resourcesOf, type StackJson } from "../../synthesized/stack-json.ts";
import type { LocalUserPool } from "../cognito/user-pool.ts";
import type { LocalEmulation } from "../emulations.ts";
import type { SqsBroker } from "../sqs/broker.ts";
import { type Delivery, LocalScheduler, readSchedules } from "./scheduler.ts";
import { JobServices } from "./services.ts";

export interface JobsOptions {
  readonly stack: StackJson;
  readonly region: string;
  readonly account: string;
  /**
   * The user pool and API key the canary's secret is derived from, as Terraform writes it from the machine
   * client's credentials and the API key; a pool without a machine client leaves the secret empty.
   */
  readonly identity: { readonly userPool: LocalUserPool; readonly apiKey: string };
  /** Where the canary finds the runner's own edges (in AWS: the stages' and the user pool domain's URLs). */
  readonly edges: { restUrl: string; websocketUrl: string; tokenUrl: string };
  readonly log: (line: string) => void;
}

/**
 * The scheduled jobs for the runner: Secrets Manager, SNS and CloudWatch metrics on one port (`JobServices`), the
 * stack's schedules (`LocalScheduler`, started by `--schedules`), and operator routes: `POST /_local/jobs/<job>`
 * runs a job now (`npm run local -- run-job <job>`), `GET /_local/sns` lists what was published.
 */
export async function startJobs(options: JobsOptions) {
  const { stack, region, account } = options;
  const services = new JobServices();
  const topicArn = (name: string) => `arn:aws:sns:${region}:${account}:${name}`;
  const secretArn = (name: string) => `arn:aws:secretsmanager:${region}:${account}:secret:${name}-local`;
  for (const topic of resourcesOf(stack, "aws_sns_topic"))
    services.addTopic(topicArn(String(topic.values.name)));
  for (const secret of resourcesOf(stack, "aws_secretsmanager_secret")) {
    const name = String(secret.values.name);
    // The one secret the stack holds is the canary's; its value is what Terraform would write from the pool and the key.
    const canaryClient = canaryCredentials(options.identity.userPool, options.identity.apiKey);
    if (canaryClient) services.setSecret(secretArn(name), name, JSON.stringify(canaryClient));
  }
  const endpoint = await services.listen();
  const emulation: LocalEmulation = {
    service: "Secrets Manager, SNS, CloudWatch metrics and EventBridge Scheduler",
    references: {
      aws_sns_topic: (topic, attribute) =>
        attribute === "arn" || attribute === "id" ? topicArn(String(topic.values.name)) : undefined,
      aws_secretsmanager_secret: (secret, attribute) =>
        attribute === "arn" || attribute === "id" ? secretArn(String(secret.values.name)) : undefined,
    },
    alsoServes: [
      "aws_secretsmanager_secret_version",
      "aws_scheduler_schedule",
      "aws_scheduler_schedule_group",
    ],
  };
  let scheduler: LocalScheduler | undefined;
  return {
    services,
    emulation,
    /** What every function gets: the services' endpoints. */
    endpoints: {
      AWS_ENDPOINT_URL_SNS: endpoint.url,
      AWS_ENDPOINT_URL_CLOUDWATCH: endpoint.url,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoint.url,
    },
    /** Variables whose AWS values name AWS hosts: the runner's own edges instead. */
    edgeOverrides: {
      [JOBS_ENV.restApiUrl]: options.edges.restUrl,
      [JOBS_ENV.websocketUrl]: options.edges.websocketUrl,
      [JOBS_ENV.tokenUrl]: options.edges.tokenUrl,
    } as Record<string, string>,
    /**
     * SQS's own metrics of every queue, as CloudWatch has them: NumberOfMessagesSent per send (a redrive's move is
     * not one), and ApproximateNumberOfMessagesVisible whenever it may have changed.
     */
    watchQueues(broker: SqsBroker): void {
      const dimensions = (queue: string) => [{ Name: "QueueName", Value: queue }];
      const visible = (queue: string) =>
        services.metrics.put(
          "AWS/SQS",
          "ApproximateNumberOfMessagesVisible",
          dimensions(queue),
          broker.counts(queue).visible,
          Date.now(),
        );
      broker.on("sent", (queue: string) => {
        services.metrics.put("AWS/SQS", "NumberOfMessagesSent", dimensions(queue), 1, Date.now());
        visible(queue);
      });
      broker.on("dead-letter", (queue: string) => {
        const target = broker
          .queueNames()
          .find((name) => broker.isDeadLetterQueue(name) && broker.deadLetterSources(name).includes(queue));
        if (target) visible(target);
      });
    },
    /** Connects the schedules to the functions and the queues. */
    attach(peers: ConstructorParameters<typeof LocalScheduler>[1]): LocalScheduler {
      scheduler = new LocalScheduler(readSchedules(stack, region, account), peers);
      return scheduler;
    },
    routes(request: IncomingMessage, response: ServerResponse): boolean {
      const url = new URL(request.url ?? "/", "http://local");
      const json = (status: number, body: unknown) => {
        response.writeHead(status, { "content-type": "application/json" });
        response.end(JSON.stringify(body, null, 2));
      };
      if (url.pathname === "/_local/sns" && request.method === "GET") {
        json(200, { messages: services.published });
        return true;
      }
      // Any name after /_local/jobs/ is this route's, so a misspelt job is named back, not left to the REST API.
      const run = /^\/_local\/jobs\/([^/]*)$/.exec(url.pathname);
      if (!run || request.method !== "POST") return false;
      const job = decodeURIComponent(run[1] as string);
      const schedule = scheduler?.scheduleNamed(job);
      if (!(JOB_NAMES as readonly string[]).includes(job) || !schedule || !scheduler) {
        json(404, { error: `no job "${job}"; jobs: ${JOB_NAMES.join(", ")}` });
        return true;
      }
      // On demand: one occurrence now, delivered as its schedule would (retries, then the dead-letter queue).
      scheduler.deliver(schedule, new Date()).then(
        (delivery: Delivery) => json(200, { job, ...delivery }),
        (error: unknown) => json(500, { error: error instanceof Error ? error.message : String(error) }),
      );
      return true;
    },
    close: async () => {
      scheduler?.stop();
      await endpoint.close();
    },
  };
}

/** The canary's secret value: the machine client's id and secret, and the API key. */
function canaryCredentials(userPool: LocalUserPool, apiKey: string) {
  const machineClient = userPool.clients.find((client) => client.flows.includes("client_credentials"));
  return machineClient?.clientSecret
    ? { clientId: machineClient.clientId, clientSecret: machineClient.clientSecret, apiKey }
    : undefined;
}
