import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import path from "node:path";
import { dev } from "../environments/dev.ts";
import { synthesizeService } from "../stacks/service-app.ts";
import { readRestApi } from "../synthesized/rest-api.ts";
import type { FunctionModel } from "../synthesized/service-model.ts";
import { readStackModel } from "../synthesized/service-model.ts";
import { readSite } from "../synthesized/site.ts";
import { findFunction, type StackJson } from "../synthesized/stack-json.ts";
import { parseChaos } from "./chaos/chaos.ts";
import { startDynamoChaosProxy } from "./chaos/dynamo-proxy.ts";
import { cognitoEmulation, startIdentityServer } from "./cognito/server.ts";
import { LocalUserPool, readAppClients } from "./cognito/user-pool.ts";
import { createTables, dynamoEmulation, startDynamo, startTtlSweeper } from "./dynamodb.ts";
import { type LocalEmulation, resolveEnvironment, unemulatedResourceTypes } from "./emulations.ts";
import { EventSourcePoller } from "./event-sources.ts";
import { EVENTS_USAGE, eventsCommand } from "./events/cli.ts";
import { startDomainEvents } from "./events/runner.ts";
import { FunctionHost, lambdaEmulation } from "./functions.ts";
import { startJobs } from "./jobs/runner.ts";
import { dlqCommand, endpointsCommand, operatorRoutes, runJobCommand, snsCommand } from "./operator.ts";
import { restApiEmulation, startRestServer } from "./rest/server.ts";
import { localBuckets, s3Emulation } from "./s3/emulation.ts";
import { type ObjectCreated, startS3Endpoint } from "./s3/endpoint.ts";
import { NotificationDelivery, readBucketNotifications } from "./s3/notifications.ts";
import { SqsBroker } from "./sqs/broker.ts";
import { sqsEmulation, startSqsEndpoint } from "./sqs/endpoint.ts";
import { LOCAL_ACCOUNT_ID, localQueueArn, localQueueSpecs } from "./sqs/queue-attributes.ts";
import { localSiteHeaders, serveSite, siteEmulation } from "./web-client.ts";
import { startWebSocketServer, websocketEmulation } from "./websocket/server.ts";

const USAGE = `usage: npm run local -- [options]            run the dev stack on this machine
       npm run local -- dlq list|redrive         inspect or redrive the running runner's DLQ
       npm run local -- endpoints                the running runner's endpoints as shell exports for the AWS
                                                 CLI and SDKs: eval "$(npm run -s local -- endpoints)"
       npm run local -- token <username> [--scope items/read[,items/write]]
                                                 print an access token of the running runner's user pool
       npm run local -- run-job cleanup|report|canary
                                                 run a scheduled job now on the running runner, as its schedule would
       npm run local -- sns                      what the running runner's SNS topics received (reports, alarms)
${EVENTS_USAGE}
       (each command finds the running runner by its --rest-port, default 3000: pass the runner's own if you moved it)
options:
  --rest-port <n>         REST API port (default 3000)
  --ws-port <n>           WebSocket port (default 3001)
  --auth-port <n>         local user pool: Hosted UI, token endpoint, JWKS (default 3002)
  --api-key <key>         the API key to require (default: a new random key, printed)
  --data <folder>         keep DynamoDB data in this folder (default: in memory)
  --time-scale <x>        multiply visibility timeouts (the queues' and those clients ask for), message
                          delays and batching windows (default 1)
  --inject-fault <fn>[:n] make the next n (default: every) invocations of a function fail
  --chaos <seed>[,k=v]    do what AWS may do, from a seed: duplicate and reordered deliveries, failed invocations
                          and SDK calls, late index writes, 410 during $connect (see local/chaos/chaos.ts)
  --webhook-url <name>=<url>[,...]  deliver a webhook of the dev config here instead (e.g. a receiver on this machine)
  --schedules             fire the stack's enabled schedules at their times (retry policy, then the schedule DLQ)
  --log-level <level>     the handlers' Powertools log level (default WARN)`;

const TTL_SWEEP_INTERVAL_MS = 5 * 60_000;

/** Options that take no value. */
const FLAGS = ["--schedules"];

function parseArguments(argv: string[]) {
  const options: Record<string, string> = {};
  const positional: string[] = [];
  for (let index = 0; index < argv.length; index += 1) {
    const argument = argv[index] as string;
    if (argument === "--help" || argument === "-h") {
      console.log(USAGE);
      process.exit(0);
    }
    if (FLAGS.includes(argument)) {
      options[argument.slice(2)] = "true";
      continue;
    }
    if (argument.startsWith("--")) {
      const value = argv[index + 1];
      if (value === undefined) throw new Error(`${argument} needs a value\n${USAGE}`);
      options[argument.slice(2)] = value;
      index += 1;
    } else positional.push(argument);
  }
  const known = [
    "rest-port",
    "ws-port",
    "auth-port",
    "api-key",
    "data",
    "time-scale",
    "inject-fault",
    "log-level",
    "scope",
    "chaos",
    "schedules",
    // events tail|replay|dead-letters|log
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
    authPort: port("auth-port", 3002),
    scopes: options.scope?.split(",").filter(Boolean) ?? [],
    apiKey: options["api-key"] ?? `local-${randomBytes(12).toString("hex")}`,
    dataFolder: options.data,
    chaos: parseChaos(options.chaos),
    timeScale,
    fault: options["inject-fault"],
    logLevel: options["log-level"] ?? "WARN",
    schedules: options.schedules === "true",
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

/** A function's environment with every reference resolved locally; says which ones no emulation serves. */
function resolveFunctionEnvironment(
  stack: StackJson,
  fn: FunctionModel,
  emulations: readonly LocalEmulation[],
  edges: Readonly<Record<string, string>>,
): Record<string, string> {
  // A variable naming one of AWS's hosts (a stage's URL, the user pool's domain) gets the runner's own edge instead.
  const own = Object.fromEntries(
    Object.entries(fn.environment).filter(([name]) => edges[name] === undefined),
  );
  const { variables, unresolved } = resolveEnvironment(stack, own, emulations);
  for (const missing of unresolved) console.warn(`${fn.name}: ${missing} is not emulated locally`);
  const replaced = Object.keys(fn.environment).filter((name) => edges[name] !== undefined);
  return { ...variables, ...Object.fromEntries(replaced.map((name) => [name, edges[name] as string])) };
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
  const queueArn = (name: string) => localQueueArn(model.region, name);
  const [restPort, wsPort] = [await freePort(options.restPort), await freePort(options.wsPort)];
  const restUrl = `http://127.0.0.1:${restPort}`;
  const userPool = new LocalUserPool(model.region, readAppClients(stack));
  // The runner serves the web client itself, wherever it listens: Cognito would need it among the callback URLs.
  const identity = await startIdentityServer(userPool, options.authPort, [`${restUrl}/`]);

  const { chaos } = options;
  const dynamo = await startDynamo(projectRoot, options.dataFolder);
  await createTables(model.tables, dynamo.endpoint);
  const broker = new SqsBroker(localQueueSpecs(stack, model.region, model.queues), {
    timeScale: options.timeScale,
    chaos,
  });
  broker.on("dead-letter", (queue: string, message: { messageId: string }) =>
    log(`dead-letter ${queue}: ${message.messageId}`),
  );
  const sqs = await startSqsEndpoint(broker, 0, chaos);
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
  // Functions reach DynamoDB through the chaos proxy when there is chaos (a failed call records nothing, as in
  // DynamoDB); the runner's own calls do not.
  const dynamoProxy = chaos.enabled
    ? await startDynamoChaosProxy(events.dynamoEndpoint, model.tables, chaos)
    : undefined;
  const functionsDynamoEndpoint = dynamoProxy?.endpoint ?? events.dynamoEndpoint;
  // Objects written before the functions are up still notify: the delivery starts once the host is ready.
  let notifications: NotificationDelivery | undefined;
  const createdEarly: ObjectCreated[] = [];
  const s3 = await startS3Endpoint({
    buckets: localBuckets(stack),
    chaos,
    onObjectCreated: (created) =>
      notifications ? notifications.objectCreated(created) : createdEarly.push(created),
  });
  const websocketHttpUrl = `http://127.0.0.1:${wsPort}`;
  const websocketUrl = `ws://127.0.0.1:${wsPort}`;
  const jobs = await startJobs({
    stack,
    region: model.region,
    account: LOCAL_ACCOUNT_ID,
    identity: { userPool, apiKey: options.apiKey },
    edges: { restUrl, websocketUrl, tokenUrl: `${identity.url}/oauth2/token` },
    log,
  });
  jobs.watchQueues(broker);
  const emulations: LocalEmulation[] = [
    dynamoEmulation,
    sqsEmulation(sqs.queueUrl, queueArn),
    lambdaEmulation,
    restApiEmulation,
    websocketEmulation(`${websocketHttpUrl}/${model.websocketStage}`),
    cognitoEmulation(userPool),
    events.emulation,
    s3Emulation,
    siteEmulation,
    jobs.emulation,
  ];
  const unemulated = unemulatedResourceTypes(stack, emulations);
  if (unemulated.length > 0)
    console.warn(
      `not emulated locally (add a LocalEmulation in local/emulations.ts): ${unemulated.join(", ")}`,
    );
  const host = new FunctionHost(
    model.functions,
    (fn) => ({
      ...resolveFunctionEnvironment(stack, fn, emulations, jobs.edgeOverrides),
      ...jobs.endpoints,
      AWS_REGION: model.region,
      AWS_ACCESS_KEY_ID: "local",
      AWS_SECRET_ACCESS_KEY: "local",
      AWS_ENDPOINT_URL_DYNAMODB: functionsDynamoEndpoint,
      AWS_ENDPOINT_URL_SQS: sqs.url,
      AWS_ENDPOINT_URL_S3: s3.url,
      AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: identity.url,
      AWS_ENDPOINT_URL_EVENTBRIDGE: events.eventBridgeUrl,
      AWS_LAMBDA_FUNCTION_NAME: fn.name,
      POWERTOOLS_LOG_LEVEL: options.logLevel,
      // Metrics on: their EMF lines become the local CloudWatch's data (the weekly report reads them back).
      POWERTOOLS_METRICS_DISABLED: "false",
      PATH: process.env.PATH ?? "",
    }),
    projectRoot,
    { chaos, onLogLine: (line) => jobs.services.metrics.ingestLogLine(line) },
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
  notifications = new NotificationDelivery(
    readBucketNotifications(stack),
    (functionName, event, qualifier) => host.invoke(functionName, event, qualifier),
    { region: model.region, log, chaos, timeScale: options.timeScale },
  );
  for (const created of createdEarly.splice(0)) notifications.objectCreated(created);
  events.startPolling((functionName, event, qualifier) => host.invoke(functionName, event, qualifier));
  // At start too, for a --data folder; a sweep of 6000 items costs about 150 ms of dynalite's time.
  const ttlSweeper = await startTtlSweeper(model.tables, events.ttlEndpoint, log, TTL_SWEEP_INTERVAL_MS);

  const scheduler = jobs.attach({
    invoke: (functionName, event, qualifier) => host.invoke(functionName, event, qualifier),
    sendToQueue: (queue, body, attributes) => broker.send(queue, body, attributes),
    log,
  });
  if (options.schedules) scheduler.start();
  const webClient = userPool.clients.find((client) => client.flows.includes("code"));
  if (!webClient)
    throw new Error("The stack declares no web client (authorization code flow) in its user pool");
  // The site as CloudFront serves it: the built files and the distribution's headers, CSP origins made local.
  const synthesizedSite = readSite(stack, stackDir);
  const site = serveSite(
    synthesizedSite,
    localSiteHeaders(synthesizedSite.headers, {
      rest: restUrl,
      websocket: `ws://127.0.0.1:${wsPort}`,
      identity: identity.url,
    }),
    {
      region: model.region,
      restUrl,
      websocketUrl,
      apiKey: options.apiKey,
      userPoolId: userPool.poolId,
      auth: { domainUrl: identity.url, clientId: webClient.clientId, scopes: webClient.scopes },
    },
  );
  const json = (response: ServerResponse, status: number, body: unknown) => {
    response.writeHead(status, { "content-type": "application/json" });
    response.end(JSON.stringify(body));
  };
  const operator = operatorRoutes(broker, {
    region: model.region,
    sqs: sqs.url,
    dynamodb: events.dynamoEndpoint,
    s3: s3.url,
    connections: `${websocketHttpUrl}/${model.websocketStage}`,
    restUrl,
    websocketUrl,
    apiKey: options.apiKey,
  });
  let dropConnections = () => 0;
  const extraRoutes = (request: IncomingMessage, response: ServerResponse) => {
    if (operator(request, response)) return true;
    if (jobs.routes(request, response)) return true;
    const url = new URL(request.url ?? "/", "http://local");
    if (url.pathname === "/_local/websocket/drop" && request.method === "POST") {
      json(response, 200, { dropped: dropConnections() });
      return true;
    }
    if (events.routes(request, response)) return true;
    if (url.pathname === "/_local/stats" && request.method === "GET") {
      json(response, 200, {
        ...broker.counters,
        sentTo: Object.fromEntries(broker.sentTo),
        s3Notifications: notifications?.counters,
        chaos: chaos.counts,
        queues: Object.fromEntries(broker.queueNames().map((name) => [name, broker.peek(name).length])),
      });
      return true;
    }
    return site(request, response);
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
    verifyToken: (token, scopes) => userPool.verifyForRestMethod(token, scopes),
    invokeProxy: (uri, event) => {
      const target = findFunction(stack, uri);
      if (!target) throw new Error(`No function for integration ${uri}`);
      return host.invoke(String(target.fn.values.function_name), event, target.qualifier);
    },
    port: restPort,
    log,
    extraRoutes,
  });
  const websocket = await startWebSocketServer({
    host,
    routes: model.websocketRoutes,
    authorizers: model.websocketAuthorizers,
    stage: model.websocketStage,
    chaos,
    port: wsPort,
    log,
  });
  dropConnections = websocket.dropAll;

  console.log(`REST API    ${rest.url}   (x-api-key: ${options.apiKey}; Authorization: Bearer <token>)`);
  console.log(
    `WebSocket   ${websocket.url}/?token=<access token>   @connections at ${websocket.callbackUrl}/${model.websocketStage}`,
  );
  console.log(
    `Sign-in     ${identity.url}   (pool ${userPool.poolId}; any username; npm run local -- token <username>${options.authPort === 3002 ? "" : ` --auth-port ${options.authPort}`})`,
  );
  console.log(`Web client  ${rest.url}/`);
  console.log(
    `DynamoDB    ${events.dynamoEndpoint} (${options.dataFolder ? `data in ${options.dataFolder}` : "in memory"})   SQS ${sqs.url}`,
  );
  console.log(`S3          ${s3.url}   (path-style; buckets ${s3.store.bucketNames().join(", ") || "none"})`);
  console.log(
    `EventBridge ${events.eventBridgeUrl}   watch it: npm run local -- events tail --rest-port ${restPort}`,
  );
  if (chaos.enabled) console.log(`Chaos       seed ${chaos.seed}: ${JSON.stringify(chaos.rates)}`);
  console.log("ready");

  const shutdown = async () => {
    for (const poller of pollers) poller.stop();
    notifications?.close();
    ttlSweeper.stop();
    await jobs.close();
    await Promise.allSettled([
      rest.close(),
      websocket.close(),
      sqs.close(),
      s3.close(),
      identity.close(),
      host.close(),
      dynamoProxy?.close(),
      events.close(),
    ]);
    await dynamo.close();
    broker.close();
    process.exit(0);
  };
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
}

/** Prints one line: an access token for `username` from the running runner's user pool. */
async function tokenCommand(username: string | undefined, authPort: number, scopes: readonly string[]) {
  if (!username) throw new Error(USAGE);
  const response = await fetch(`http://127.0.0.1:${authPort}/_local/token`, {
    method: "POST",
    body: JSON.stringify({ username, scopes }),
  }).catch(() => {
    throw new Error(
      `no local runner answers on port ${authPort}: start it with npm run local (or pass --auth-port)`,
    );
  });
  const answer = (await response.json()) as { access_token?: string; error?: string };
  if (!response.ok || !answer.access_token) throw new Error(answer.error ?? `HTTP ${response.status}`);
  console.log(answer.access_token);
}

async function main() {
  const options = parseArguments(process.argv.slice(2));
  if (options.positional[0] === "dlq") return dlqCommand(options.positional[1], options.restPort, USAGE);
  if (options.positional[0] === "endpoints") return endpointsCommand(options.restPort, process.cwd());
  if (options.positional[0] === "run-job")
    return runJobCommand(options.positional[1], options.restPort, USAGE);
  if (options.positional[0] === "sns") return snsCommand(options.restPort);
  if (options.positional[0] === "token")
    return tokenCommand(options.positional[1], options.authPort, options.scopes);
  if (options.positional[0] === "events")
    return eventsCommand({ ...options, command: options.positional[1] });
  if (options.positional.length > 0) throw new Error(`unknown command ${options.positional[0]}\n${USAGE}`);
  await run(options);
}

main().catch((error: unknown) => {
  console.error(process.env.LOCAL_DEBUG ? error : error instanceof Error ? error.message : error);
  process.exit(1);
});
