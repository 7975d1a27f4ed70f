import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { CloudWatchError, type GetMetricDataRequest, MetricStore } from "./metrics.ts";

/** A message SNS accepted, as the runner keeps it for `npm run local -- sns`. */
export interface PublishedMessage {
  readonly messageId: string;
  readonly topicArn: string;
  readonly subject?: string;
  readonly message: string;
  readonly publishedAt: string;
}

/** SNS refuses a message over 256 KiB. */
const SNS_MAX_MESSAGE_BYTES = 262_144;
// ASCII printable, no line breaks, under 100 characters: SNS's rule for a subject.
const SNS_SUBJECT = /^[\x20-\x7e]{1,99}$/;

/** A refusal in the wire terms of the service that refuses. */
class ServiceError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

/**
 * What the scheduled jobs call besides DynamoDB, S3 and SQS, on one loopback port: Secrets Manager's GetSecretValue
 * (JSON 1.1), SNS's Publish (Query protocol, XML answers) and CloudWatch's GetMetricData (JSON 1.0), each with the
 * service's error codes for what it refuses. Topics and secrets are the stack's; messages are kept to be looked at.
 */
export class JobServices {
  readonly metrics = new MetricStore();
  readonly published: PublishedMessage[] = [];
  private readonly secrets = new Map<
    string,
    { arn: string; name: string; value: string; versionId: string }
  >();
  private readonly topics = new Set<string>();

  addTopic(arn: string): void {
    this.topics.add(arn);
  }

  setSecret(arn: string, name: string, value: string): void {
    this.secrets.set(arn, { arn, name, value, versionId: randomUUID() });
  }

  getSecretValue(input: { SecretId?: string }) {
    const secret = [...this.secrets.values()].find(
      (candidate) => candidate.arn === input.SecretId || candidate.name === input.SecretId,
    );
    if (!secret)
      throw new ServiceError("ResourceNotFoundException", "Secrets Manager can't find the specified secret.");
    return {
      ARN: secret.arn,
      Name: secret.name,
      VersionId: secret.versionId,
      SecretString: secret.value,
      VersionStages: ["AWSCURRENT"],
      CreatedDate: Date.now() / 1000,
    };
  }

  publish(form: URLSearchParams): string {
    const topicArn = form.get("TopicArn") ?? form.get("TargetArn") ?? "";
    if (!this.topics.has(topicArn)) throw new ServiceError("NotFound", "Topic does not exist", 404);
    const message = form.get("Message") ?? "";
    if (message.length === 0) throw new ServiceError("InvalidParameter", "Invalid parameter: Empty message");
    if (Buffer.byteLength(message) > SNS_MAX_MESSAGE_BYTES)
      throw new ServiceError("InvalidParameter", "Invalid parameter: Message too long");
    const subject = form.get("Subject") ?? undefined;
    if (subject !== undefined && !SNS_SUBJECT.test(subject))
      throw new ServiceError("InvalidParameter", "Invalid parameter: Subject");
    const messageId = randomUUID();
    this.published.push({ messageId, topicArn, subject, message, publishedAt: new Date().toISOString() });
    return messageId;
  }

  /** Serves the three services on 127.0.0.1. */
  async listen(port = 0): Promise<{ url: string; close(): Promise<void> }> {
    const server = createServer((request, response) => void this.serve(request, response));
    await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
    const { port: bound } = server.address() as { port: number };
    return {
      url: `http://127.0.0.1:${bound}`,
      close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
  }

  private async serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString("utf8");
    const target = String(request.headers["x-amz-target"] ?? "");
    try {
      if (target === "secretsmanager.GetSecretValue") {
        return json(response, 200, this.getSecretValue(JSON.parse(body || "{}")), "1.1");
      }
      if (target === "GraniteServiceVersion20100801.GetMetricData") {
        return json(
          response,
          200,
          this.metrics.getMetricData(JSON.parse(body || "{}") as GetMetricDataRequest),
          "1.0",
        );
      }
      const form = new URLSearchParams(body);
      if (form.get("Action") === "Publish") {
        const messageId = this.publish(form);
        return xml(
          response,
          200,
          `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>${messageId}</MessageId></PublishResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></PublishResponse>`,
        );
      }
      throw new ServiceError(
        "UnknownOperationException",
        `Not emulated locally: ${target || form.get("Action") || "?"}`,
      );
    } catch (error) {
      const failure =
        error instanceof ServiceError || error instanceof CloudWatchError
          ? error
          : new ServiceError("InternalFailure", error instanceof Error ? error.message : String(error), 500);
      if (target.startsWith("GraniteServiceVersion20100801.")) {
        // CloudWatch's JSON protocol is query-compatible: the query error code travels in a header too.
        response.setHeader("x-amzn-query-error", `${failure.code};Sender`);
        return json(response, failure.status, { __type: failure.code, message: failure.message }, "1.0");
      }
      if (target)
        return json(response, failure.status, { __type: failure.code, Message: failure.message }, "1.1");
      return xml(
        response,
        failure.status,
        `<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>Sender</Type><Code>${failure.code}</Code><Message>${escapeXml(failure.message)}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
      );
    }
  }
}

function json(response: ServerResponse, status: number, body: unknown, version: "1.0" | "1.1"): void {
  response.writeHead(status, {
    "content-type": `application/x-amz-json-${version}`,
    "x-amzn-requestid": randomUUID(),
  });
  response.end(JSON.stringify(body));
}

function xml(response: ServerResponse, status: number, body: string): void {
  response.writeHead(status, { "content-type": "text/xml" });
  response.end(body);
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (character) => `&#${character.charCodeAt(0)};`);
}
