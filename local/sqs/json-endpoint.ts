import { createServer, type Server } from "node:http";
import { Chaos } from "../chaos/chaos.ts";
import type { LocalEmulation } from "../emulations.ts";
import { type SqsBroker, SqsError } from "./broker.ts";
import type { StringAttribute } from "./md5.ts";

/** The account id local queue URLs carry; any value works, SQS URLs just need one. */
export const LOCAL_ACCOUNT_ID = "000000000000";

export interface SqsEndpoint {
  readonly url: string;
  queueUrl(queueName: string): string;
  /**
   * Makes the next `count` calls whose input `matches` fail with a throttling error, as SQS does under load.
   * Matching on the input keeps a test exact when a handler sends several messages concurrently.
   */
  throttle(matches: (input: Record<string, unknown>) => boolean, count?: number): void;
  close(): Promise<void>;
}

/**
 * SQS's AWS JSON 1.0 protocol over HTTP on 127.0.0.1, backed by the broker: what the handlers' own
 * `SQSClient` talks to through `AWS_ENDPOINT_URL_SQS`. Answers carry real MD5 digests, which the SDK checks.
 */
export async function startSqsEndpoint(
  broker: SqsBroker,
  port = 0,
  chaos = Chaos.none,
): Promise<SqsEndpoint> {
  const nameOf = (queueUrl: unknown) =>
    String(queueUrl ?? "")
      .split("/")
      .pop() ?? "";
  const actions: Record<string, (input: Record<string, unknown>) => unknown> = {
    SendMessage: (input) => {
      const sent = broker.send(
        nameOf(input.QueueUrl),
        String(input.MessageBody ?? ""),
        (input.MessageAttributes ?? {}) as Record<string, StringAttribute>,
      );
      return {
        MessageId: sent.messageId,
        MD5OfMessageBody: sent.md5OfBody,
        MD5OfMessageAttributes: sent.md5OfAttributes,
      };
    },
    ReceiveMessage: (input) => ({
      Messages: broker
        .receive(nameOf(input.QueueUrl), Number(input.MaxNumberOfMessages ?? 1))
        .map((message) => ({
          MessageId: message.messageId,
          ReceiptHandle: message.receiptHandle,
          Body: message.body,
          MD5OfBody: message.md5OfBody,
          MessageAttributes: message.attributes,
        })),
    }),
    DeleteMessage: (input) => {
      broker.delete(nameOf(input.QueueUrl), String(input.ReceiptHandle));
      return {};
    },
    ChangeMessageVisibility: (input) => {
      broker.changeVisibility(
        nameOf(input.QueueUrl),
        String(input.ReceiptHandle),
        Number(input.VisibilityTimeout),
      );
      return {};
    },
    GetQueueUrl: (input) => ({ QueueUrl: endpoint.queueUrl(String(input.QueueName)) }),
  };
  let throttled = { matches: (_input: Record<string, unknown>) => false, count: 0 };
  const server: Server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const reply = (status: number, body: unknown) => {
      response.writeHead(status, { "content-type": "application/x-amz-json-1.0" });
      response.end(JSON.stringify(body));
    };
    const action = String(request.headers["x-amz-target"] ?? "").replace("AmazonSQS.", "");
    const handler = actions[action];
    if (!handler)
      return reply(400, {
        __type: "com.amazonaws.sqs#InvalidAction",
        message: `${action} is not served locally`,
      });
    try {
      const input = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as Record<string, unknown>;
      if (throttled.count > 0 && throttled.matches(input)) {
        throttled.count -= 1;
        return reply(400, { __type: "com.amazonaws.sqs#RequestThrottled", message: "Rate exceeded" });
      }
      if (chaos.strikes("SQS call failed", chaos.rates.sdkFault)) {
        return chaos.random() < 0.5
          ? reply(500, {
              __type: "com.amazonaws.sqs#InternalError",
              message: "We encountered an internal error.",
            })
          : reply(400, { __type: "com.amazonaws.sqs#RequestThrottled", message: "Rate exceeded" });
      }
      reply(200, handler(input));
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const type = error instanceof SqsError ? error.code : "InvalidParameterValue";
      reply(400, { __type: `com.amazonaws.sqs#${type}`, message });
    }
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const { port: bound } = server.address() as { port: number };
  const endpoint: SqsEndpoint = {
    url: `http://127.0.0.1:${bound}`,
    queueUrl: (queueName) => `http://127.0.0.1:${bound}/${LOCAL_ACCOUNT_ID}/${queueName}`,
    throttle: (matches, count = 1) => {
      throttled = { matches, count };
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  return endpoint;
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
