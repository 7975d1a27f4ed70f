import path from "node:path";
import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListQueuesCommand,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { DOMParser, type Element } from "@xmldom/xmldom";
import { inject } from "vitest";
import { SqsBroker } from "../../local/sqs/broker.ts";
import { type SqsEndpoint, startSqsEndpoint } from "../../local/sqs/endpoint.ts";
import { md5OfAttributes, md5OfBody } from "../../local/sqs/md5.ts";
import { parseQueryRequest } from "../../local/sqs/query-protocol.ts";
import { localQueueSpecs } from "../../local/sqs/queue-attributes.ts";
import { readStackModel } from "../../synthesized/service-model.ts";
import { resourcesOf } from "../../synthesized/stack-json.ts";
import { synthesizedStack } from "../support/synthesized.ts";

const stack = synthesizedStack("dev");
const model = readStackModel(stack, path.join(inject("synthOutdir"), "stacks", "dev"));
const queueValues = (name: string) =>
  resourcesOf(stack, "aws_sqs_queue").find((queue) => queue.values.name === name)?.values ?? {};
const DLQ = "crud-dev-dlq";
const CREATE = "crud-dev-create";

/** A broker of the dev stack's queues, and its endpoint; one per test, so no test sees another's messages. */
function startBroker() {
  return new SqsBroker(localQueueSpecs(stack, model.region, model.queues));
}

let broker: SqsBroker;
let endpoint: SqsEndpoint;
let sqs: SQSClient;
const url = (queue: string) => endpoint.queueUrl(queue);
const arn = (queue: string) => broker.spec(queue).arn;

beforeEach(async () => {
  broker = startBroker();
  endpoint = await startSqsEndpoint(broker);
  sqs = new SQSClient({
    region: model.region,
    endpoint: endpoint.url,
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
    maxAttempts: 1,
  });
});

afterEach(async () => {
  sqs.destroy();
  await endpoint.close();
  broker.close();
});

/** Receives (and leaves in flight) until the messages of `queue` have failed their receives and moved to the DLQ. */
function deadLetter(queue: string, ...bodies: string[]) {
  for (const body of bodies)
    broker.send(queue, body, { operation: { DataType: "String", StringValue: "create" } });
  const { maxReceiveCount } = broker.spec(queue).redrive ?? { maxReceiveCount: 0 };
  for (let receive = 0; receive <= maxReceiveCount; receive += 1) broker.receive(queue, 10, 0);
}

async function attributesOf(queue: string, names = ["All"]) {
  return (
    await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url(queue), AttributeNames: names as never }))
  ).Attributes;
}

describe("the local SQS endpoint, in the JSON protocol (AWS SDKs, AWS CLI 2.13 and later)", () => {
  it("reports each queue's configuration from the synthesized stack, with local ARNs", async () => {
    const create = (await attributesOf(CREATE)) ?? {};
    const dlq = (await attributesOf(DLQ)) ?? {};
    expect(create).toMatchObject({
      QueueArn: `arn:aws:sqs:eu-west-1:000000000000:${CREATE}`,
      VisibilityTimeout: String(queueValues(CREATE).visibility_timeout_seconds),
      MessageRetentionPeriod: String(queueValues(CREATE).message_retention_seconds),
      KmsDataKeyReusePeriodSeconds: String(queueValues(CREATE).kms_data_key_reuse_period_seconds),
      SqsManagedSseEnabled: "false",
      DelaySeconds: "0",
      MaximumMessageSize: "262144",
    });
    expect(JSON.parse(create.RedrivePolicy ?? "")).toEqual({
      deadLetterTargetArn: dlq.QueueArn,
      maxReceiveCount: JSON.parse(String(queueValues(CREATE).redrive_policy)).maxReceiveCount,
    });
    expect(JSON.parse(create.Policy ?? "").Statement[0]).toMatchObject({
      Effect: "Deny",
      Resource: create.QueueArn,
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    });
    // One key encrypts every queue; locally it has an ARN of its own, the same on every start.
    expect(create.KmsMasterKeyId).toMatch(
      /^arn:aws:kms:eu-west-1:000000000000:key\/[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$/,
    );
    expect(dlq.KmsMasterKeyId).toBe(create.KmsMasterKeyId);
    expect(startBroker().spec(DLQ).kmsMasterKeyId).toBe(create.KmsMasterKeyId);

    expect(dlq.MessageRetentionPeriod).toBe(String(queueValues(DLQ).message_retention_seconds));
    expect(dlq.RedrivePolicy).toBeUndefined();
    const sources = model.queues
      .filter((queue) => queue.redrive?.deadLetterQueue === DLQ)
      .map((queue) => arn(queue.name));
    expect(sources.length).toBeGreaterThan(1);
    const allowed = JSON.parse(dlq.RedriveAllowPolicy ?? "");
    expect(allowed.redrivePermission).toBe("byQueue");
    expect([...allowed.sourceQueueArns].sort()).toEqual(sources.sort());
  });

  it("answers only the attributes asked for, and refuses a name SQS does not know", async () => {
    expect(await attributesOf(DLQ, ["QueueArn", "ApproximateNumberOfMessages"])).toEqual({
      QueueArn: arn(DLQ),
      ApproximateNumberOfMessages: "0",
    });
    await expect(attributesOf(DLQ, ["ApproximateNumberOfMessages", "Colour"])).rejects.toMatchObject({
      name: "InvalidAttributeName",
      message: "Unknown Attribute Colour.",
    });
  });

  it("counts visible, in-flight and delayed messages apart", async () => {
    for (const body of ["one", "two"])
      await sqs.send(new SendMessageCommand({ QueueUrl: url(CREATE), MessageBody: body }));
    await sqs.send(
      new SendMessageCommand({ QueueUrl: url(CREATE), MessageBody: "later", DelaySeconds: 600 }),
    );
    await sqs.send(new ReceiveMessageCommand({ QueueUrl: url(CREATE), MaxNumberOfMessages: 1 }));
    expect(
      await attributesOf(CREATE, [
        "ApproximateNumberOfMessages",
        "ApproximateNumberOfMessagesNotVisible",
        "ApproximateNumberOfMessagesDelayed",
      ]),
    ).toEqual({
      ApproximateNumberOfMessages: "1",
      ApproximateNumberOfMessagesNotVisible: "1",
      ApproximateNumberOfMessagesDelayed: "1",
    });
  });

  it("lists queues by name prefix, a page at a time", async () => {
    const names = model.queues.map((queue) => queue.name).sort();
    const all = await sqs.send(new ListQueuesCommand({}));
    expect(all.QueueUrls).toEqual(names.map(url));
    expect(all.NextToken).toBeUndefined();

    const paged: string[] = [];
    let pages = 0;
    let nextToken: string | undefined;
    do {
      const page = await sqs.send(
        new ListQueuesCommand({ QueueNamePrefix: "crud-dev-", MaxResults: 4, NextToken: nextToken }),
      );
      expect(page.QueueUrls?.length).toBeLessThanOrEqual(4);
      paged.push(...(page.QueueUrls ?? []));
      nextToken = page.NextToken;
      pages += 1;
    } while (nextToken !== undefined && pages < 100);
    expect(paged).toEqual(names.map(url));
    expect(pages).toBe(Math.ceil(names.length / 4));
    expect(
      (await sqs.send(new ListQueuesCommand({ QueueNamePrefix: "crud-prod-" }))).QueueUrls,
    ).toBeUndefined();
    await expect(sqs.send(new ListQueuesCommand({ NextToken: "not-a-token" }))).rejects.toMatchObject({
      name: "InvalidParameterValue",
    });
  });

  it("long-polls: a receive that waits answers with a message sent while it waits", async () => {
    const receiving = sqs.send(new ReceiveMessageCommand({ QueueUrl: url(CREATE), WaitTimeSeconds: 20 }));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const sent = await sqs.send(
      new SendMessageCommand({ QueueUrl: url(CREATE), MessageBody: "worth the wait" }),
    );
    const received = await receiving;
    expect(received.Messages?.map((message) => message.MessageId)).toEqual([sent.MessageId]);
  });

  it("returns system and message attributes only as asked, with the MD5 of the attributes it returns", async () => {
    deadLetter(CREATE, "failed");
    const attributes = {
      operation: { DataType: "String", StringValue: "create" },
      "trace.id": { DataType: "String", StringValue: "t-1" },
    };
    await sqs.send(
      new SendMessageCommand({ QueueUrl: url(DLQ), MessageBody: "direct", MessageAttributes: attributes }),
    );
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: url(DLQ),
        MaxNumberOfMessages: 10,
        MessageSystemAttributeNames: ["ApproximateReceiveCount", "DeadLetterQueueSourceArn"],
        MessageAttributeNames: ["trace.*"],
      }),
    );
    const [failed, direct] = Messages;
    expect(failed).toMatchObject({
      Body: "failed",
      // Its receives in the source queue count, and so does this one.
      Attributes: {
        ApproximateReceiveCount: String(
          JSON.parse(String(queueValues(CREATE).redrive_policy)).maxReceiveCount + 1,
        ),
        DeadLetterQueueSourceArn: arn(CREATE),
      },
    });
    expect(failed?.MessageAttributes).toBeUndefined();
    expect(direct?.Attributes).toEqual({ ApproximateReceiveCount: "1" });
    expect(direct?.MessageAttributes).toEqual({ "trace.id": attributes["trace.id"] });
    expect(direct?.MD5OfMessageAttributes).toBe(md5OfAttributes({ "trace.id": attributes["trace.id"] }));
  });

  it("changes a message's visibility, and refuses a message not in flight or a receipt handle of another queue", async () => {
    await sqs.send(new SendMessageCommand({ QueueUrl: url(CREATE), MessageBody: "again" }));
    const [first] = (await sqs.send(new ReceiveMessageCommand({ QueueUrl: url(CREATE) }))).Messages ?? [];
    const handle = String(first?.ReceiptHandle);
    await sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: url(CREATE),
        ReceiptHandle: handle,
        VisibilityTimeout: 0,
      }),
    );
    await expect(
      sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: url(CREATE),
          ReceiptHandle: handle,
          VisibilityTimeout: 30,
        }),
      ),
    ).rejects.toMatchObject({ name: "MessageNotInflight" });

    const [second] =
      (await sqs.send(new ReceiveMessageCommand({ QueueUrl: url(CREATE), AttributeNames: ["All"] })))
        .Messages ?? [];
    expect(second).toMatchObject({
      MessageId: first?.MessageId,
      Attributes: { ApproximateReceiveCount: "2" },
    });
    await expect(
      sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: url(DLQ),
          ReceiptHandle: String(second?.ReceiptHandle),
          VisibilityTimeout: 0,
        }),
      ),
    ).rejects.toMatchObject({ name: "ReceiptHandleIsInvalid", $metadata: { httpStatusCode: 404 } });
    await expect(
      sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: url(CREATE),
          ReceiptHandle: handle,
          VisibilityTimeout: 43_201,
        }),
      ),
    ).rejects.toMatchObject({
      name: "InvalidParameterValue",
      message:
        "Value 43201 for parameter VisibilityTimeout is invalid. Reason: Must be between 0 and 43200, if provided.",
    });
  });

  it("deletes by the latest receipt handle only, in batches with a result per entry", async () => {
    for (const body of ["a", "b"])
      await sqs.send(new SendMessageCommand({ QueueUrl: url(CREATE), MessageBody: body }));
    const received =
      (
        await sqs.send(
          new ReceiveMessageCommand({ QueueUrl: url(CREATE), MaxNumberOfMessages: 10, VisibilityTimeout: 0 }),
        )
      ).Messages ?? [];
    const latest =
      (await sqs.send(new ReceiveMessageCommand({ QueueUrl: url(CREATE), MaxNumberOfMessages: 10 })))
        .Messages ?? [];
    expect(latest).toHaveLength(2);
    // A stale handle deletes nothing and is no error, as in SQS.
    await sqs.send(
      new DeleteMessageCommand({ QueueUrl: url(CREATE), ReceiptHandle: String(received[0]?.ReceiptHandle) }),
    );
    expect(broker.counts(CREATE)).toMatchObject({ inFlight: 2 });

    const batch = await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: url(CREATE),
        Entries: [
          { Id: "first", ReceiptHandle: String(latest[0]?.ReceiptHandle) },
          { Id: "forged", ReceiptHandle: "forged-handle" },
        ],
      }),
    );
    expect(batch.Successful).toEqual([{ Id: "first" }]);
    expect(batch.Failed).toEqual([
      {
        Id: "forged",
        SenderFault: true,
        Code: "ReceiptHandleIsInvalid",
        Message: 'The input receipt handle "forged-handle" is not a valid receipt handle.',
      },
    ]);
    expect(broker.counts(CREATE)).toMatchObject({ inFlight: 1 });

    const refusal = (entries: Array<{ Id: string; ReceiptHandle: string }>) =>
      sqs.send(new DeleteMessageBatchCommand({ QueueUrl: url(CREATE), Entries: entries }));
    await expect(refusal([])).rejects.toMatchObject({ name: "EmptyBatchRequest" });
    await expect(
      refusal([
        { Id: "x", ReceiptHandle: "h" },
        { Id: "x", ReceiptHandle: "h" },
      ]),
    ).rejects.toMatchObject({
      name: "BatchEntryIdsNotDistinct",
    });
    await expect(refusal([{ Id: "not:valid", ReceiptHandle: "h" }])).rejects.toMatchObject({
      name: "InvalidBatchEntryId",
    });
    await expect(
      refusal(Array.from({ length: 11 }, (_, index) => ({ Id: `e${index}`, ReceiptHandle: "h" }))),
    ).rejects.toMatchObject({
      name: "TooManyEntriesInBatchRequest",
      message: "Maximum number of entries per request are 10. You have sent 11.",
    });
  });

  it("purges a queue, at most once a minute", async () => {
    deadLetter(CREATE, "x", "y");
    await sqs.send(new PurgeQueueCommand({ QueueUrl: url(DLQ) }));
    expect(broker.peek(DLQ)).toHaveLength(0);
    await expect(sqs.send(new PurgeQueueCommand({ QueueUrl: url(DLQ) }))).rejects.toMatchObject({
      name: "PurgeQueueInProgress",
      message: `Only one PurgeQueue operation on ${DLQ} is allowed every 60 seconds.`,
      $metadata: { httpStatusCode: 403 },
    });
  });

  it("validates a message as SQS does before it queues anything", async () => {
    const send = (input: Partial<ConstructorParameters<typeof SendMessageCommand>[0]>) =>
      sqs.send(new SendMessageCommand({ QueueUrl: url(CREATE), MessageBody: "x", ...input }));
    await expect(send({ MessageBody: "x".repeat(262_145) })).rejects.toMatchObject({
      name: "InvalidParameterValue",
      message: "One or more parameters are invalid. Reason: Message must be shorter than 262144 bytes.",
    });
    await expect(send({ MessageBody: "bell \u0007" })).rejects.toMatchObject({
      name: "InvalidMessageContents",
    });
    await expect(
      send({ MessageAttributes: { empty: { DataType: "String", StringValue: "" } } }),
    ).rejects.toMatchObject({
      name: "InvalidParameterValue",
    });
    await expect(send({ DelaySeconds: 901 })).rejects.toMatchObject({ name: "InvalidParameterValue" });
    expect(broker.peek(CREATE)).toHaveLength(0);
  });

  it("answers SQS's errors in the JSON protocol's envelope, with the Query code in x-amzn-query-error", async () => {
    const response = await fetch(endpoint.url, {
      method: "POST",
      headers: { "content-type": "application/x-amz-json-1.0", "x-amz-target": "AmazonSQS.GetQueueUrl" },
      body: JSON.stringify({ QueueName: "crud-prod-create" }),
    });
    expect(response.status).toBe(400);
    expect(response.headers.get("x-amzn-query-error")).toBe("AWS.SimpleQueueService.NonExistentQueue;Sender");
    expect(await response.json()).toEqual({
      __type: "com.amazonaws.sqs#QueueDoesNotExist",
      message: "The specified queue does not exist.",
    });
    await expect(sqs.send(new GetQueueUrlCommand({ QueueName: "crud-prod-create" }))).rejects.toMatchObject({
      name: "QueueDoesNotExist",
    });
    await expect(
      sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: url(CREATE).replace("000000000000", "111111111111") }),
      ),
    ).rejects.toMatchObject({ name: "QueueDoesNotExist" });
    await expect(sqs.send(new CreateQueueCommand({ QueueName: "extra" }))).rejects.toMatchObject({
      name: "UnsupportedOperation",
      message: expect.stringMatching(
        /^CreateQueue is not served locally: the runner's queues are the synthesized stack's/,
      ),
    });
  });
});

describe("the local SQS endpoint, in the Query protocol (AWS CLI before 2.13)", () => {
  /** A form-encoded call, as the AWS CLI sends it, and its answer parsed as XML. */
  async function query(fields: Record<string, string>, requestPath = "/") {
    const response = await fetch(`${endpoint.url}${requestPath}`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-8" },
      body: new URLSearchParams({ Version: "2012-11-05", ...fields }).toString(),
    });
    const document = new DOMParser().parseFromString(await response.text(), "text/xml");
    const root = document.documentElement as Element;
    const texts = (tag: string) =>
      Array.from(root.getElementsByTagName(tag)).map((element) => element.textContent);
    return { status: response.status, root, texts };
  }

  it("reads flattened lists, maps and batch entries as the JSON protocol's lists and maps", () => {
    const form = new URLSearchParams({
      Action: "ReceiveMessage",
      Version: "2012-11-05",
      QueueUrl: "http://q/000000000000/crud-dev-dlq",
      "AttributeName.2": "ApproximateReceiveCount",
      "AttributeName.1": "All",
      "MessageAttribute.1.Name": "operation",
      "MessageAttribute.1.Value.DataType": "String",
      "MessageAttribute.1.Value.StringValue": "create",
      "DeleteMessageBatchRequestEntry.1.Id": "a",
      "DeleteMessageBatchRequestEntry.1.ReceiptHandle": "h a",
      "DeleteMessageBatchRequestEntry.2.Id": "b",
    }).toString();
    expect(parseQueryRequest(form, "http://q", "/")).toEqual({
      action: "ReceiveMessage",
      input: {
        QueueUrl: "http://q/000000000000/crud-dev-dlq",
        AttributeNames: ["All", "ApproximateReceiveCount"],
        MessageAttributes: { operation: { DataType: "String", StringValue: "create" } },
        Entries: [{ Id: "a", ReceiptHandle: "h a" }, { Id: "b" }],
      },
    });
    expect(() => parseQueryRequest("Action=ListQueues&Action=PurgeQueue", "http://q", "/")).toThrow(
      /Action is given twice/,
    );
  });

  it("answers in SQS's XML: namespace, result element, flattened members, text exactly as sent", async () => {
    const body = "line\r\nbreak & <tags> \"quotes\" 'apostrophes' é 😀";
    const sent = await query({
      Action: "SendMessage",
      QueueUrl: url(CREATE),
      MessageBody: body,
      "MessageAttribute.1.Name": "operation",
      "MessageAttribute.1.Value.DataType": "String",
      "MessageAttribute.1.Value.StringValue": "create & <more>",
    });
    expect(sent.status).toBe(200);
    expect(sent.root.tagName).toBe("SendMessageResponse");
    expect(sent.root.namespaceURI).toBe("http://queue.amazonaws.com/doc/2012-11-05/");
    expect(sent.texts("MD5OfMessageBody")).toEqual([md5OfBody(body)]);
    expect(sent.texts("RequestId")).toHaveLength(1);

    const received = await query({
      Action: "ReceiveMessage",
      QueueUrl: url(CREATE),
      "AttributeName.1": "All",
      "MessageAttributeName.1": "All",
    });
    const [message] = Array.from(received.root.getElementsByTagName("Message"));
    expect(message?.parentNode).toMatchObject({ tagName: "ReceiveMessageResult" });
    expect(received.texts("Body")).toEqual([body]);
    expect(received.texts("MessageId")).toEqual(sent.texts("MessageId"));
    const systemAttributes = Array.from(received.root.getElementsByTagName("Attribute")).map((attribute) => [
      attribute.getElementsByTagName("Name")[0]?.textContent,
      attribute.getElementsByTagName("Value")[0]?.textContent,
    ]);
    expect(Object.fromEntries(systemAttributes)).toMatchObject({
      ApproximateReceiveCount: "1",
      SenderId: "LOCAL",
    });
    const [attribute] = Array.from(received.root.getElementsByTagName("MessageAttribute"));
    expect(attribute?.getElementsByTagName("Name")[0]?.textContent).toBe("operation");
    expect(attribute?.getElementsByTagName("StringValue")[0]?.textContent).toBe("create & <more>");
    expect(attribute?.getElementsByTagName("DataType")[0]?.textContent).toBe("String");

    const deleted = await query({
      Action: "DeleteMessage",
      QueueUrl: url(CREATE),
      ReceiptHandle: String(received.texts("ReceiptHandle")[0]),
    });
    expect(deleted.root.tagName).toBe("DeleteMessageResponse");
    expect(deleted.root.getElementsByTagName("DeleteMessageResult")).toHaveLength(0);
    expect(broker.peek(CREATE)).toHaveLength(0);
  });

  it("answers errors in the Query protocol's envelope, with its codes and wording", async () => {
    const missing = await query({ Action: "GetQueueUrl", QueueName: "crud-prod-create" });
    expect(missing.status).toBe(400);
    expect(missing.root.tagName).toBe("ErrorResponse");
    expect(missing.texts("Type")).toEqual(["Sender"]);
    expect(missing.texts("Code")).toEqual(["AWS.SimpleQueueService.NonExistentQueue"]);
    expect(missing.texts("Message")).toEqual(["The specified queue does not exist for this wsdl version."]);

    const unknown = await query({ Action: "FlushEverything" });
    expect([unknown.status, unknown.texts("Code")]).toEqual([400, ["InvalidAction"]]);
    const noAction = await query({});
    expect(noAction.texts("Message")).toEqual(["The request must contain the parameter Action."]);
    const moveFromWorkQueue = await query({ Action: "StartMessageMoveTask", SourceArn: arn(CREATE) });
    expect(moveFromWorkQueue.texts("Message")).toEqual([
      "Source queue must be configured as a Dead Letter Queue.",
    ]);
  });

  it("addresses the queue by the request path when the form names no queue URL", async () => {
    const answer = await query(
      { Action: "GetQueueAttributes", "AttributeName.1": "QueueArn" },
      `/000000000000/${DLQ}`,
    );
    expect(answer.texts("Value")).toEqual([arn(DLQ)]);
  });
});

describe("message move tasks (dead-letter queue redrive)", () => {
  beforeEach(() => {
    vi.useFakeTimers();
    broker.close();
    broker = startBroker();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const tasks = () => broker.moveTasks;
  const bodiesIn = (queue: string) => broker.peek(queue).map((message) => message.body);

  it("returns each message to the queue it failed in, oldest first, as a new message", () => {
    deadLetter(CREATE, "create 1", "create 2");
    deadLetter("crud-dev-update", "update 1");
    const failedIds = broker.peek(DLQ).map((message) => message.messageId);
    const startedAt = Date.now();

    const handle = tasks().start({ sourceArn: arn(DLQ) });
    vi.runAllTimers();

    expect(tasks().list(arn(DLQ))).toEqual([
      {
        Status: "COMPLETED",
        SourceArn: arn(DLQ),
        ApproximateNumberOfMessagesMoved: 3,
        ApproximateNumberOfMessagesToMove: 3,
        StartedTimestamp: startedAt,
      },
    ]);
    expect(JSON.parse(Buffer.from(handle, "base64").toString("utf8"))).toMatchObject({ sourceArn: arn(DLQ) });
    expect(bodiesIn(DLQ)).toEqual([]);
    expect(bodiesIn(CREATE)).toEqual(["create 1", "create 2"]);
    expect(bodiesIn("crud-dev-update")).toEqual(["update 1"]);
    const redriven = [...broker.peek(CREATE), ...broker.peek("crud-dev-update")];
    expect(redriven.filter((message) => failedIds.includes(message.messageId))).toEqual([]);
    expect(
      redriven.map((message) => [message.receiveCount, message.attributes.operation?.StringValue]),
    ).toEqual([
      [0, "create"],
      [0, "create"],
      [0, "create"],
    ]);
  });

  it("moves at the task's rate; a cancelled task keeps what it moved and leaves the rest", () => {
    deadLetter(CREATE, "m1", "m2", "m3", "m4", "m5");
    const handle = tasks().start({
      sourceArn: arn(DLQ),
      destinationArn: arn("crud-dev-read"),
      maxNumberOfMessagesPerSecond: 2,
    });
    vi.advanceTimersByTime(0);
    expect(tasks().list(arn(DLQ))[0]).toMatchObject({
      TaskHandle: handle,
      Status: "RUNNING",
      DestinationArn: arn("crud-dev-read"),
      MaxNumberOfMessagesPerSecond: 2,
      ApproximateNumberOfMessagesMoved: 1,
      ApproximateNumberOfMessagesToMove: 5,
    });
    vi.advanceTimersByTime(500);
    expect(bodiesIn("crud-dev-read")).toEqual(["m1", "m2"]);

    expect(tasks().cancel(handle)).toBe(2);
    expect(tasks().list(arn(DLQ))[0]?.Status).toBe("CANCELLING");
    vi.runAllTimers();
    const [cancelled] = tasks().list(arn(DLQ));
    expect(cancelled).toMatchObject({ Status: "CANCELLED", ApproximateNumberOfMessagesMoved: 2 });
    expect(cancelled?.TaskHandle).toBeUndefined();
    expect(bodiesIn(DLQ)).toEqual(["m3", "m4", "m5"]);
    expect(() => tasks().cancel(handle)).toThrow(
      /Only a RUNNING task can be cancelled; this one is CANCELLED/,
    );
  });

  it("allows one active task per source, only dead-letter queues as sources, and existing queues only", () => {
    deadLetter(CREATE, "m1", "m2");
    tasks().start({ sourceArn: arn(DLQ), maxNumberOfMessagesPerSecond: 1 });
    const refusal = (start: () => unknown) => {
      try {
        start();
      } catch (error) {
        return { name: (error as Error).name, message: (error as Error).message };
      }
      throw new Error("not refused");
    };
    expect(refusal(() => tasks().start({ sourceArn: arn(DLQ) }))).toEqual({
      name: "InvalidParameterValue",
      message:
        "There is already a task running. Only one active task is allowed for a source queue arn at a given time.",
    });
    expect(refusal(() => tasks().start({ sourceArn: arn(CREATE) }))).toEqual({
      name: "InvalidParameterValue",
      message: "Source queue must be configured as a Dead Letter Queue.",
    });
    expect(refusal(() => tasks().start({ sourceArn: arn(DLQ).replace("dlq", "dlx") }))).toEqual({
      name: "ResourceNotFoundException",
      message: "The resource that you specified for the SourceArn parameter doesn't exist.",
    });
    expect(
      refusal(() => tasks().start({ sourceArn: arn(DLQ), destinationArn: `${arn(CREATE)}-gone` })),
    ).toMatchObject({
      message: "The resource that you specified for the DestinationArn parameter doesn't exist.",
    });
    expect(
      refusal(() => tasks().start({ sourceArn: arn(DLQ), maxNumberOfMessagesPerSecond: 501 })),
    ).toMatchObject({
      name: "InvalidParameterValue",
    });
    expect(refusal(() => tasks().cancel("foobared"))).toEqual({
      name: "InvalidParameterValue",
      message: "Value for parameter TaskHandle is invalid.",
    });
    const unknownTask = Buffer.from(JSON.stringify({ taskId: "no-such-task", sourceArn: arn(DLQ) })).toString(
      "base64",
    );
    expect(refusal(() => tasks().cancel(unknownTask))).toEqual({
      name: "ResourceNotFoundException",
      message: "Task does not exist.",
    });
  });

  it("fails, keeping the message, when a message names no queue to return to", () => {
    broker.send(DLQ, "sent straight to the DLQ");
    tasks().start({ sourceArn: arn(DLQ) });
    vi.runAllTimers();
    expect(tasks().list(arn(DLQ))[0]).toMatchObject({
      Status: "FAILED",
      FailureReason: "AWS.SimpleQueueService.NonExistentQueue",
      ApproximateNumberOfMessagesMoved: 0,
    });
    expect(bodiesIn(DLQ)).toEqual(["sent straight to the DLQ"]);
  });

  it("leaves messages in flight behind, as a receive would", () => {
    deadLetter(CREATE, "inspected", "waiting");
    broker.receive(DLQ, 1, 60);
    tasks().start({ sourceArn: arn(DLQ) });
    vi.runAllTimers();
    expect(tasks().list(arn(DLQ))[0]).toMatchObject({
      Status: "COMPLETED",
      ApproximateNumberOfMessagesMoved: 1,
      ApproximateNumberOfMessagesToMove: 1,
    });
    expect(bodiesIn(DLQ)).toEqual(["inspected"]);
    expect(bodiesIn(CREATE)).toEqual(["waiting"]);
  });

  it("lists a source's most recent tasks first, ten at most", () => {
    for (let task = 0; task < 12; task += 1) {
      deadLetter(CREATE, `m${task}`);
      tasks().start({ sourceArn: arn(DLQ) });
      vi.runAllTimers();
      vi.advanceTimersByTime(1000);
    }
    const listed = tasks().list(arn(DLQ), 10);
    expect(listed).toHaveLength(10);
    expect(listed.map((task) => task.StartedTimestamp)).toEqual(
      listed.map((task) => task.StartedTimestamp).sort((a, b) => b - a),
    );
    expect(tasks().list(arn(DLQ))).toEqual(listed.slice(0, 1));
    expect(() => tasks().list(arn(DLQ), 11)).toThrow(/Value 11 for parameter MaxResults is invalid/);
  });
});
