import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import { Chaos } from "../chaos/chaos.ts";
import type { LocalEmulation } from "../emulations.ts";
import { type ActionInput, sqsActions } from "./actions.ts";
import type { SqsBroker } from "./broker.ts";
import { SQS_ERROR_MESSAGES, SqsError, type SqsErrorShape } from "./errors.ts";
import { parseQueryRequest, queryError, queryResponse } from "./query-protocol.ts";
import { LOCAL_ACCOUNT_ID } from "./queue-attributes.ts";

export interface SqsEndpoint {
  readonly url: string;
  queueUrl(queueName: string): string;
  /**
   * Makes the next `count` calls whose input `matches` fail with a throttling error, as SQS does under load.
   * Matching on the input keeps a test exact when a handler sends several messages concurrently.
   */
  /** Makes the next `count` requests `matches` selects fail with SQS's error `shape` (default: throttling). */
  refuseNext(matches: (input: ActionInput) => boolean, count?: number, shape?: SqsErrorShape): void;
  close(): Promise<void>;
}

const JSON_CONTENT_TYPE = "application/x-amz-json-1.0";

const CHAOS_FAULTS: readonly SqsErrorShape[] = ["InternalError", "RequestThrottled", "KmsThrottled"];

const TARGET_PREFIX = "AmazonSQS.";

/**
 * SQS over HTTP on 127.0.0.1, backed by the broker, in both of SQS's wire protocols on one URL: AWS JSON 1.0
 * (`X-Amz-Target`), which the handlers' `SQSClient` and current SDKs and CLIs speak, and the Query protocol
 * (form-encoded `Action=…`), which AWS CLI releases before 2.13 speak. Answers carry real MD5 digests, which SDKs
 * check, and SQS's error codes in each protocol's envelope.
 */
export async function startSqsEndpoint(
  broker: SqsBroker,
  port = 0,
  chaos = Chaos.none,
): Promise<SqsEndpoint> {
  let refusing = {
    matches: (_input: ActionInput) => false,
    count: 0,
    shape: "RequestThrottled" as SqsErrorShape,
  };
  // Aborts pending long polls when the endpoint closes, so closing never waits for a receive's wait time.
  const closing = new AbortController();
  let endpointUrl = "";
  const queueUrl = (queueName: string) => `${endpointUrl}/${LOCAL_ACCOUNT_ID}/${queueName}`;
  const actions = sqsActions(broker, queueUrl, () =>
    chaos.strikes("SQS batch entry failed", chaos.rates.sdkFault),
  );

  const perform = async (action: string, input: ActionInput) => {
    const handler = actions[action];
    if (!handler) throw new SqsError("InvalidAction", `The action ${action} is not valid for this endpoint.`);
    if (refusing.count > 0 && refusing.matches(input)) {
      refusing.count -= 1;
      throw new SqsError(refusing.shape, SQS_ERROR_MESSAGES[refusing.shape] ?? "Refused");
    }
    if (chaos.strikes("SQS call failed", chaos.rates.sdkFault)) {
      // What SQS answers when it, or the queue's KMS key, cannot serve now: all three heal on retry.
      const shape = CHAOS_FAULTS[Math.floor(chaos.random() * CHAOS_FAULTS.length)] ?? "InternalError";
      throw new SqsError(shape, SQS_ERROR_MESSAGES[shape] ?? "Refused");
    }
    return handler(input, closing.signal);
  };

  const serveJson = async (target: string, body: string, reply: Reply) => {
    const answerError = (error: SqsError) =>
      reply(
        error.status,
        JSON_CONTENT_TYPE,
        JSON.stringify({ __type: `com.amazonaws.sqs#${error.shape}`, message: error.message }),
        {
          "x-amzn-query-error": `${error.queryCode};${error.fault}`,
        },
      );
    if (!target.startsWith(TARGET_PREFIX))
      return reply(
        400,
        JSON_CONTENT_TYPE,
        JSON.stringify({ __type: "com.amazon.coral.service#UnknownOperationException" }),
      );
    let input: ActionInput;
    try {
      input = JSON.parse(body || "{}") as ActionInput;
    } catch {
      return reply(
        400,
        JSON_CONTENT_TYPE,
        JSON.stringify({ __type: "com.amazon.coral.service#SerializationException" }),
      );
    }
    try {
      const result = await perform(target.slice(TARGET_PREFIX.length), input);
      reply(200, JSON_CONTENT_TYPE, JSON.stringify(result ?? {}));
    } catch (error) {
      if (!(error instanceof SqsError)) throw error;
      answerError(error);
    }
  };

  const serveQuery = async (form: string, path: string, requestId: string, reply: Reply) => {
    try {
      const { action, input } = parseQueryRequest(form, endpointUrl, path);
      reply(200, "text/xml", queryResponse(action, await perform(action, input), requestId));
    } catch (error) {
      if (!(error instanceof SqsError)) throw error;
      reply(error.status, "text/xml", queryError(error, requestId));
    }
  };

  const server: Server = createServer(async (request, response) => {
    const requestId = randomUUID();
    const reply: Reply = (status, contentType, text, headers = {}) => {
      response.writeHead(status, { "content-type": contentType, "x-amzn-requestid": requestId, ...headers });
      response.end(text);
    };
    try {
      const body = await readBody(request);
      const target = request.headers["x-amz-target"];
      const url = new URL(request.url ?? "/", endpointUrl);
      if (typeof target === "string") await serveJson(target, body, reply);
      else
        await serveQuery(
          request.method === "GET" ? url.search.slice(1) : body,
          url.pathname,
          requestId,
          reply,
        );
    } catch (error) {
      // A fault of this endpoint, not of the request: SQS's InternalError, with the reason for whoever runs it.
      if (!response.headersSent)
        reply(500, "text/plain", `InternalError: ${error instanceof Error ? error.message : String(error)}`);
    }
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const { port: bound } = server.address() as { port: number };
  endpointUrl = `http://127.0.0.1:${bound}`;
  return {
    url: endpointUrl,
    queueUrl,
    refuseNext: (matches, count = 1, shape = "RequestThrottled") => {
      refusing = { matches, count, shape };
    },
    close: () => {
      closing.abort();
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
    },
  };
}

type Reply = (status: number, contentType: string, text: string, headers?: Record<string, string>) => void;

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** SQS for the runner: the broker's queues, under their stack names, at the local endpoint. */
export function sqsEmulation(
  queueUrl: (name: string) => string,
  queueArn: (name: string) => string,
): LocalEmulation {
  return {
    service: "SQS",
    references: {
      aws_sqs_queue: (queue, attribute) => {
        const name = String(queue.values.name);
        if (attribute === "url") return queueUrl(name);
        if (attribute === "arn") return queueArn(name);
        if (attribute === "name") return name;
        return undefined;
      },
    },
  };
}
