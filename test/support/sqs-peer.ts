import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { md5OfAttributes, md5OfBody } from "../../local/sqs/md5.ts";

export interface SentMessage {
  queueUrl: string;
  body: string;
  attributes: Record<string, { DataType: string; StringValue?: string }>;
}

export interface SqsPeer {
  endpoint: string;
  queueUrl(name: string): string;
  /** Every message sent so far, in order. */
  sent: SentMessage[];
  /** Makes the next `count` sends fail with a throttling error, as SQS does under load. */
  throttleNext(count: number): void;
  close(): Promise<void>;
}

/**
 * A minimal SQS endpoint speaking the AWS JSON 1.0 protocol the SDK uses, enough for `SendMessage`.
 * It answers with real MD5 digests, which the SDK's checksum middleware verifies.
 */
export async function startSqsPeer(): Promise<SqsPeer> {
  const sent: SentMessage[] = [];
  let throttled = 0;
  const server = createServer(async (request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const target = String(request.headers["x-amz-target"] ?? "");
    const input = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as Record<string, unknown>;
    const reply = (status: number, body: unknown) => {
      response.writeHead(status, { "content-type": "application/x-amz-json-1.0" });
      response.end(JSON.stringify(body));
    };
    if (target !== "AmazonSQS.SendMessage") {
      reply(400, {
        __type: "com.amazonaws.sqs#UnsupportedOperation",
        message: `${target} is not served by this peer`,
      });
      return;
    }
    if (throttled > 0) {
      throttled -= 1;
      reply(400, { __type: "com.amazonaws.sqs#RequestThrottled", message: "Rate exceeded" });
      return;
    }
    const message: SentMessage = {
      queueUrl: String(input.QueueUrl),
      body: String(input.MessageBody),
      attributes: (input.MessageAttributes ?? {}) as SentMessage["attributes"],
    };
    sent.push(message);
    reply(200, {
      MessageId: randomUUID(),
      MD5OfMessageBody: md5OfBody(message.body),
      MD5OfMessageAttributes:
        Object.keys(message.attributes).length > 0 ? md5OfAttributes(message.attributes) : undefined,
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    queueUrl: (name) => `${endpoint}/000000000000/${name}`,
    sent,
    throttleNext: (count) => {
      throttled = count;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
