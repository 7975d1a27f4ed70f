import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import path from "node:path";
import { dev } from "../environments/dev.ts";
import { synthesizeService } from "../stacks/service-app.ts";
import { readRestApi } from "../synthesized/rest-api.ts";
import type { FunctionModel } from "../synthesized/service-model.ts";
import { readStackModel } from "../synthesized/service-model.ts";
import type { StackJson } from "../synthesized/stack-json.ts";
import { createTables, dynamoEmulation, startDynamo, startTtlSweeper } from "./dynamodb.ts";
import { type LocalEmulation, resolveEnvironment, unemulatedResourceTypes } from "./emulations.ts";
import { EventSourcePoller } from "./event-sources.ts";
import { EVENTS_USAGE, eventsCommand } from "./events/cli.ts";
import { startDomainEvents } from "./events/runner.ts";
import { FunctionHost, lambdaEmulation } from "./functions.ts";
import { restApiEmulation, startRestServer } from "./rest/server.ts";
import { SqsBroker } from "./sqs/broker.ts";
import { LOCAL_ACCOUNT_ID, sqsEmulation, startSqsEndpoint } from "./sqs/json-endpoint.ts";
import { serveWebClient } from "./web-client.ts";
import { startWebSocketServer, websocketEmulation } from "./websocket/server.ts";

const USAGE = `usage: npm run local -- [options]            run the dev stack on this machine
       npm run local -- dlq list|redrive         inspect or redrive the running runner's DLQ
${EVENTS_USAGE}
options:
  --rest-port <n>         REST API port (default 3000)
  --ws-port <n>           WebSocket port (default 3001)
  --api-key <key>         the API key to require (default: a new random key, printed)
  --data <folder>         keep DynamoDB data in this folder (default: in memory)
  --time-scale <x>        multiply visibility timeouts and batching windows (default 1)
  --inject-fault <fn>[:n] make the next n (default: every) invocations of a function fail
  --webhook-url <name>=<url>[,...]  deliver a webhook of the dev config here instead (e.g. a receiver on this machine)
  --log-level <level>     the handlers' Powertools log level (default WARN)`;

const TTL_SWEEP_INTERVAL_MS = 5 * 60_000;

function parseArguments(argv: string[]) {
  const options: Record<string, string> = {};
  const positional: string[] = [];
  for (let index = 0; index < argv.length; index += 1) {
    const argument = argv[index] as string;
    if (argument === "--help" || argument === "-h") {
      console.log(USAGE);
      process.exit(0);
    }
    if (argument.startsWith("--")) {
      const value = argv[index + 1];
      if (value === undefined) throw new Error(`${argument} needs a value\n${USAGE}`);
      options[argument.slice(2)] = value;
      index += 1;
    } else positional.push(argument);
  }
  const known = [
    ...["rest-port", "ws-port", "api-key", "data", "time-scale", "inject-fault", "log-level"],
    ...["webhook-url", "since", "rule", "format"],
  ];
  const unknown = Object.keys(options).filter((name) => !known.includes(name));
  if (unknown.length > 0) throw new Error(`unknown option --${unknown[0]}\n${USAGE}`);
  const port = (name: string, fallback: number) => {
    const value = Number(options[name] ?? fallback);
    if (!Number.isInteger(value) || value < 0 || value > 65535)
      throw new Error(`--${name} must be a port number`);
    return value;
  };
  const timeScale = Number(options["time-scale"] ?? 1);
  if (!(timeScale > 0)) throw new Error("--time-scale must be a positive number");
  return {
    positional,
    restPort: port("rest-port", 3000),
    wsPort: port("ws-port", 3001),
    apiKey: options["api-key"] ?? `local-${randomBytes(12).toString("hex")}`,
    dataFolder: options.data,
    timeScale,
    fault: options["inject-fault"],
    logLevel: options["log-level"] ?? "WARN",
    webhookUrls: parseWebhookUrls(options["webhook-url"]),
    since: options.since,
    rule: options.rule,
    format: options.format ?? "summary",
  };
}

/** `--webhook-url search-index=http://127.0.0.1:9000/hook,other=...` as name to URL. */
function parseWebhookUrls(value: string | undefined): Record<string, string> {
  const urls: Record<string, string> = {};
  for (const pair of (value ?? "").split(",").filter(Boolean)) {
    const [name, url] = [pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1)];
    if (!name || !URL.canParse(url))
      throw new Error(`--webhook-url: "${pair}" is not <name>=<url>\n${USAGE}`);
    urls[name] = url;
  }
  return urls;
}

/** A port number that is free now, for when 0 ("any") is asked for but the value must be known up front. */
async function freePort(requested: number): Promise<number> {
  if (requested !== 0) return requested;
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

async function dlqCommand(command: string | undefined, restPort: number) {
  if (command !== "list" && command !== "redrive") throw new Error(USAGE);
  const response = await fetch(
    `http://127.0.0.1:${restPort}/_local/dlq${command === "redrive" ? "/redrive" : ""}`,
    {
      method: command === "redrive" ? "POST" : "GET",
    },
  );
  console.log(JSON.stringify(await response.json(), null, 2));
}

/** A function's environment with every reference resolved locally; says which ones no emulation serves. */
function resolveFunctionEnvironment(
  stack: StackJson,
  fn: FunctionModel,
  emulations: readonly LocalEmulation[],
): Record<string, string> {
  const { variables, unresolved } = resolveEnvironment(stack, fn.environment, emulations);
  for (const missing of unresolved) console.warn(`${fn.name}: ${missing} is not emulated locally`);
  return variables;
}

async function run(options: ReturnType<typeof parseArguments>) {
  // One write per tick, not per line: at a hundred requests a second, a write per line costs a core's tenth.
  let pendingLines: string[] = [];
  const log = (line: string) => {
    if (pendingLines.length === 0)
      setImmediate(() => {
        process.stdout.write(pendingLines.join(""));
        pendingLines = [];
      });
    pendingLines.push(`${new Date().toISOString()} ${line}\n`);
  };
  const projectRoot = process.cwd();
  const outdir = path.join(projectRoot, ".build", "local");
  await synthesizeService({ projectRoot, outdir, environments: [dev] });
  const stackDir = path.join(outdir, "stacks", dev.name);
  const stack = JSON.parse(readFileSync(path.join(stackDir, "cdk.tf.json"), "utf8")) as StackJson;
  const model = readStackModel(stack, stackDir);
  const queueArn = (name: string) => `arn:aws:sqs:${model.region}:${LOCAL_ACCOUNT_ID}:${name}`;
  const [restPort, wsPort] = [await freePort(options.restPort), await freePort(options.wsPort)];

  const dynamo = await startDynamo(projectRoot, options.dataFolder);
  await createTables(model.tables, dynamo.endpoint);
  // At start too, for a --data folder; a sweep of 6000 items costs about 150 ms of dynalite's time.
  const broker = new SqsBroker(
    model.queues.map((queue) => ({ ...queue, arn: queueArn(queue.name) })),
    { timeScale: options.timeScale },
  );
  broker.on("dead-letter", (queue: string, message: { messageId: string }) =>
    log(`dead-letter ${queue}: ${message.messageId}`),
  );
  const sqs = await startSqsEndpoint(broker);
  // Everything writes through the stream recorder, so every committed change reaches the tables' streams.
  const events = await startDomainEvents({
    projectRoot,
    stack,
    model,
    dynamoEndpoint: dynamo.endpoint,
    broker,
    account: LOCAL_ACCOUNT_ID,
    log,
    timeScale: options.timeScale,
    webhookUrls: options.webhookUrls,
  });
  const websocketHttpUrl = `http://127.0.0.1:${wsPort}`;
  const emulations: LocalEmulation[] = [
    dynamoEmulation,
    sqsEmulation(sqs.queueUrl, queueArn),
    lambdaEmulation,
    restApiEmulation,
    websocketEmulation(`${websocketHttpUrl}/${model.websocketStage}`),
    events.emulation,
  ];
  const unemulated = unemulatedResourceTypes(stack, emulations);
  if (unemulated.length > 0)
    console.warn(
      `not emulated locally (add a LocalEmulation in local/emulations.ts): ${unemulated.join(", ")}`,
    );
  const host = new FunctionHost(
    model.functions,
    (fn) => ({
      ...resolveFunctionEnvironment(stack, fn, emulations),
      AWS_REGION: model.region,
      AWS_ACCESS_KEY_ID: "local",
      AWS_SECRET_ACCESS_KEY: "local",
      AWS_ENDPOINT_URL_DYNAMODB: events.dynamoEndpoint,
      AWS_ENDPOINT_URL_SQS: sqs.url,
      AWS_ENDPOINT_URL_EVENTBRIDGE: events.eventBridgeUrl,
      AWS_LAMBDA_FUNCTION_NAME: fn.name,
      POWERTOOLS_LOG_LEVEL: options.logLevel,
      POWERTOOLS_METRICS_DISABLED: "true",
      POWERTOOLS_TRACE_ENABLED: "false",
      // Nothing traces locally; manual mode also stops the X-Ray SDK from installing its async hook
      // (cls-hooked), a callback on every promise the function makes: about a tenth of each function's CPU.
      AWS_XRAY_MANUAL_MODE: "true",
      PATH: process.env.PATH ?? "",
    }),
    projectRoot,
  );
  await host.ready();
  if (options.fault) {
    const [name, count] = options.fault.split(":");
    host.injectFault(
      model.functions.find((fn) => fn.name.endsWith(String(name)))?.name ?? String(name),
      count ? Number(count) : undefined,
    );
  }
  const pollers = model.mappings.map(
    (mapping) => new EventSourcePoller(broker, host, mapping, log, options.timeScale),
  );
  for (const poller of pollers) poller.start();
  events.startPolling((functionName, event) => host.invoke(functionName, event));
  // At start too, for a --data folder; a sweep of 6000 items costs about 150 ms of dynalite's time.
  const ttlSweeper = await startTtlSweeper(model.tables, events.ttlEndpoint, log, TTL_SWEEP_INTERVAL_MS);

  const deadLetterQueue = model.queues.find(
    (queue) => !queue.redrive && model.queues.some((other) => other.redrive?.deadLetterQueue === queue.name),
  );
  const websocketUrl = `ws://127.0.0.1:${wsPort}`;
  const json = (response: ServerResponse, status: number, body: unknown) => {
    response.writeHead(status, { "content-type": "application/json" });
    response.end(JSON.stringify(body));
  };
  const extraRoutes = (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? "/", "http://local");
    if (url.pathname === "/_local/dlq" && request.method === "GET") {
      const messages = deadLetterQueue ? broker.peek(deadLetterQueue.name) : [];
      json(response, 200, {
        queue: deadLetterQueue?.name,
        count: messages.length,
        messages: messages.map((message) => ({
          messageId: message.messageId,
          source: message.sourceQueueArn,
          receiveCount: message.receiveCount,
          attributes: message.attributes,
          body: message.body,
        })),
      });
      return true;
    }
    if (url.pathname === "/_local/dlq/redrive" && request.method === "POST") {
      json(response, 200, { redriven: deadLetterQueue ? broker.redrive(deadLetterQueue.name) : 0 });
      return true;
    }
    if (events.routes(request, response)) return true;
    if (url.pathname === "/_local/stats" && request.method === "GET") {
      json(response, 200, {
        ...broker.counters,
        queues: Object.fromEntries(broker.queueNames().map((name) => [name, broker.peek(name).length])),
      });
      return true;
    }
    return serveWebClient(request, response, {
      restUrl: `http://127.0.0.1:${restPort}`,
      websocketUrl,
      apiKey: options.apiKey,
    });
  };
  const queueOfUri = (uri: string) => {
    const id = /\$\{aws_sqs_queue\.([\w-]+)\.name\}$/.exec(uri)?.[1] ?? "";
    const name = stack.resource.aws_sqs_queue?.[id]?.name;
    if (!name) throw new Error(`No queue for integration ${uri}`);
    return String(name);
  };
  const rest = await startRestServer({
    table: readRestApi(stack),
    broker,
    queueOfUri,
    dynamoEndpoint: events.dynamoEndpoint,
    region: model.region,
    apiKey: options.apiKey,
    port: restPort,
    log,
    extraRoutes,
  });
  const websocket = await startWebSocketServer({
    host,
    routes: model.websocketRoutes,
    stage: model.websocketStage,
    port: wsPort,
    log,
  });

  console.log(`REST API    ${rest.url}   (x-api-key: ${options.apiKey})`);
  console.log(
    `WebSocket   ${websocket.url}/?requestId=<requestId>   @connections at ${websocket.callbackUrl}/${model.websocketStage}`,
  );
  console.log(`Web client  ${rest.url}/`);
  console.log(
    `DynamoDB    ${events.dynamoEndpoint} (${options.dataFolder ? `data in ${options.dataFolder}` : "in memory"})   SQS ${sqs.url}`,
  );
  console.log(
    `EventBridge ${events.eventBridgeUrl}   watch it: npm run local -- events tail --rest-port ${restPort}`,
  );
  console.log("ready");

  const shutdown = async () => {
    for (const poller of pollers) poller.stop();
    ttlSweeper.stop();
    await Promise.allSettled([rest.close(), websocket.close(), sqs.close(), host.close(), events.close()]);
    await dynamo.close();
    broker.close();
    process.exit(0);
  };
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
}

async function main() {
  const options = parseArguments(process.argv.slice(2));
  if (options.positional[0] === "dlq") return dlqCommand(options.positional[1], options.restPort);
  if (options.positional[0] === "events")
    return eventsCommand({ ...options, command: options.positional[1] });
  if (options.positional.length > 0) throw new Error(`unknown command ${options.positional[0]}\n${USAGE}`);
  await run(options);
}

main().catch((error: unknown) => {
  console.error(process.env.LOCAL_DEBUG ? error : error instanceof Error ? error.message : error);
  process.exit(1);
});
