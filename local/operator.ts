import type { IncomingMessage, ServerResponse } from "node:http";
import path from "node:path";
import type { SqsBroker } from "./sqs/broker.ts";
import { SqsError } from "./sqs/errors.ts";

/** Where the running runner serves each AWS service and its own edges: what `endpoints` prints as exports. */
export interface LocalEndpoints {
  readonly region: string;
  readonly sqs: string;
  readonly dynamodb: string;
  /** S3, path-style (`forcePathStyle` in SDK clients; the CLI uses path-style for an IP endpoint by itself). */
  readonly s3: string;
  /** The WebSocket API's `@connections` endpoint, stage included, as API Gateway's management API has it. */
  readonly connections: string;
  readonly restUrl: string;
  readonly websocketUrl: string;
  readonly apiKey: string;
}

/**
 * The runner's operator routes on its REST port: `GET /_local/dlq` (the dead-letter queue's messages),
 * `POST /_local/dlq/redrive` (a message move task back to the source queues, answered when it has finished) and
 * `GET /_local/endpoints`. Returns whether it served the request.
 */
export function operatorRoutes(broker: SqsBroker, endpoints: LocalEndpoints) {
  const deadLetterQueue = broker.queueNames().find((name) => broker.isDeadLetterQueue(name));
  const json = (response: ServerResponse, status: number, body: unknown) => {
    response.writeHead(status, { "content-type": "application/json" });
    response.end(JSON.stringify(body));
  };
  return (request: IncomingMessage, response: ServerResponse): boolean => {
    const url = new URL(request.url ?? "/", "http://local");
    if (url.pathname === "/_local/endpoints" && request.method === "GET") {
      json(response, 200, endpoints);
      return true;
    }
    if (url.pathname === "/_local/dlq" && request.method === "GET") {
      const messages = deadLetterQueue ? broker.peek(deadLetterQueue) : [];
      const counts = deadLetterQueue ? broker.counts(deadLetterQueue) : { visible: 0, inFlight: 0 };
      json(response, 200, {
        queue: deadLetterQueue,
        arn: deadLetterQueue ? broker.spec(deadLetterQueue).arn : undefined,
        count: messages.length,
        visible: counts.visible,
        inFlight: counts.inFlight,
        messages: messages.map((message) => ({
          messageId: message.messageId,
          source: message.sourceQueueArn,
          cause: message.lastFailure,
          receiveCount: message.receiveCount,
          attributes: message.attributes,
          body: message.body,
        })),
      });
      return true;
    }
    if (url.pathname === "/_local/dlq/redrive" && request.method === "POST") {
      if (!deadLetterQueue) {
        json(response, 404, { error: "the stack declares no dead-letter queue" });
        return true;
      }
      // The same task as `aws sqs start-message-move-task --source-arn <the DLQ>`: to the source queues, unpaced.
      const redrive = async () => {
        const handle = broker.moveTasks.start({ sourceArn: broker.spec(deadLetterQueue).arn });
        return broker.moveTasks.settled(handle);
      };
      redrive().then(
        (task) => json(response, 200, task),
        (error: unknown) =>
          json(response, error instanceof SqsError ? error.status : 500, {
            error: error instanceof Error ? error.message : String(error),
          }),
      );
      return true;
    }
    return false;
  };
}

/** `npm run local -- dlq list|redrive`: the running runner's dead-letter queue, or its redrive. */
export async function dlqCommand(
  command: string | undefined,
  restPort: number,
  usage: string,
): Promise<void> {
  if (command !== "list" && command !== "redrive") throw new Error(usage);
  const answer = await runnerRequest(
    restPort,
    command === "redrive" ? "/_local/dlq/redrive" : "/_local/dlq",
    {
      method: command === "redrive" ? "POST" : "GET",
    },
  );
  console.log(JSON.stringify(answer, null, 2));
}

/**
 * `npm run local -- endpoints`: shell exports that point the AWS CLI and SDKs at the running runner, for
 * `eval "$(npm run -s local -- endpoints)"`.
 */
export async function endpointsCommand(restPort: number, projectRoot: string): Promise<void> {
  const endpoints = (await runnerRequest(restPort, "/_local/endpoints", { method: "GET" })) as LocalEndpoints;
  console.log(shellExports(endpoints, path.join(projectRoot, "local", "aws-cli")));
}

/**
 * The exports: dummy credentials, the region, and each service's endpoint (`AWS_ENDPOINT_URL_<SERVICE>`, which
 * SDKs and AWS CLI 2.13 or later read). Earlier CLIs read no endpoint setting, so an `aws` shell function passes
 * them as `--endpoint-url`; and `AWS_DATA_PATH` teaches CLIs before 2.12 SQS's message move tasks (the three
 * operations' definitions from the SQS model, which the CLI merges into its own).
 */
export function shellExports(endpoints: LocalEndpoints, cliDataPath: string): string {
  const quote = (value: string) => `'${value.replaceAll("'", "'\\''")}'`;
  const exports: Record<string, string> = {
    AWS_ACCESS_KEY_ID: "local",
    AWS_SECRET_ACCESS_KEY: "local",
    AWS_REGION: endpoints.region,
    AWS_DEFAULT_REGION: endpoints.region,
    AWS_ENDPOINT_URL_SQS: endpoints.sqs,
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
    AWS_ENDPOINT_URL_S3: endpoints.s3,
    AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI: endpoints.connections,
    LOCAL_REST_URL: endpoints.restUrl,
    LOCAL_WEBSOCKET_URL: endpoints.websocketUrl,
    LOCAL_API_KEY: endpoints.apiKey,
  };
  return [
    '# The local runner\'s endpoints: eval "$(npm run -s local -- endpoints)" in a shell of its own.',
    ...Object.entries(exports).map(([name, value]) => `export ${name}=${quote(value)}`),
    `case ":\${AWS_DATA_PATH:-}:" in *:${quote(cliDataPath)}:*) ;; *) export AWS_DATA_PATH=${quote(cliDataPath)}"\${AWS_DATA_PATH:+:$AWS_DATA_PATH}" ;; esac`,
    "# AWS CLI releases before 2.13 ignore AWS_ENDPOINT_URL_<SERVICE>: pass it to them as --endpoint-url.",
    "aws() {",
    "  local argument endpoint=",
    '  for argument in "$@"; do',
    '    case "$argument" in',
    '      sqs) endpoint="$AWS_ENDPOINT_URL_SQS"; break ;;',
    '      dynamodb) endpoint="$AWS_ENDPOINT_URL_DYNAMODB"; break ;;',
    '      s3|s3api) endpoint="$AWS_ENDPOINT_URL_S3"; break ;;',
    '      apigatewaymanagementapi) endpoint="$AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI"; break ;;',
    "    esac",
    "  done",
    '  if [ -n "$endpoint" ]; then command aws --endpoint-url "$endpoint" "$@"; else command aws "$@"; fi',
    "}",
  ].join("\n");
}

/** `npm run local -- run-job <job>`: one occurrence of the job's schedule now, on the running runner. */
export async function runJobCommand(job: string | undefined, restPort: number, usage: string): Promise<void> {
  if (!job) throw new Error(usage);
  const answer = (await runnerRequest(restPort, `/_local/jobs/${job}`, { method: "POST" })) as {
    outcome?: string;
  };
  console.log(JSON.stringify(answer, null, 2));
  // Retried to the end and dead-lettered (or dropped): a failure, for scripts that run jobs.
  if (answer.outcome !== "delivered") process.exitCode = 1;
}

/** `npm run local -- sns`: what the running runner's topics received. */
export async function snsCommand(restPort: number): Promise<void> {
  console.log(JSON.stringify(await runnerRequest(restPort, "/_local/sns", { method: "GET" }), null, 2));
}

async function runnerRequest(restPort: number, route: string, init: RequestInit): Promise<unknown> {
  const response = await fetch(`http://127.0.0.1:${restPort}${route}`, init).catch(() => {
    throw new Error(
      `no local runner answers on port ${restPort}: start it with npm run local (or pass --rest-port)`,
    );
  });
  const answer = (await response.json()) as { error?: string };
  if (!response.ok) throw new Error(answer.error ?? `HTTP ${response.status} from ${route}`);
  return answer;
}
