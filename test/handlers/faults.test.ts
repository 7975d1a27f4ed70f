import { KmsThrottled, SendMessageCommand } from "@aws-sdk/client-sqs";
import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import { backoffSeconds, isPermanentSdkFault } from "../../handlers/lib/faults.ts";
import { sqsClient } from "../../handlers/lib/sqs.ts";
import { type HandlerPeers, startHandlerPeers } from "../support/handler-environment.ts";

let peers: HandlerPeers;
beforeAll(async () => {
  peers = await startHandlerPeers();
});
afterAll(async () => {
  await peers.close();
});

const caught = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error,
  );

describe("fault classification, on the errors the SDK really raises", () => {
  it("calls a request the service refuses as invalid permanent", async () => {
    const error = await caught(
      peers.documents.send(
        new QueryCommand({
          TableName: peers.tables.items,
          KeyConditionExpression: "id = :x",
          ExpressionAttributeValues: {},
        }),
      ),
    );

    expect(error).toMatchObject({ name: "ValidationException", $fault: "client" });
    expect(isPermanentSdkFault(error)).toBe(true);
  });

  it("calls throttling retryable although SQS marks it a client fault", async () => {
    peers.sqs.refuseNext(() => true);
    const error = await caught(
      sqsClient.send(
        new SendMessageCommand({ QueueUrl: process.env.NOTIFICATIONS_QUEUE_URL, MessageBody: "x" }),
      ),
    );

    expect(error).toMatchObject({ name: "RequestThrottled", $fault: "client" });
    expect(isPermanentSdkFault(error)).toBe(false);
  });

  it.each([
    [
      "KMS throttling (SQS models it as a client fault)",
      new KmsThrottled({ message: "throttled", $metadata: {} }),
    ],
    [
      "access denied while a role's change propagates",
      Object.assign(new Error("not authorized"), { name: "AccessDeniedException", $fault: "client" }),
    ],
    [
      "a table not there yet",
      Object.assign(new Error("no table"), { name: "ResourceNotFoundException", $fault: "client" }),
    ],
  ])("calls %s retryable: the environment's fault, which heals or reaches the DLQ", (_, error) => {
    expect(error).toMatchObject({ $fault: "client" });
    expect(isPermanentSdkFault(error)).toBe(false);
  });

  it("calls anything that is not an SDK client fault retryable: network errors, server faults, bugs", () => {
    expect(isPermanentSdkFault(new TypeError("fetch failed"))).toBe(false);
    expect(
      isPermanentSdkFault(Object.assign(new Error("x"), { name: "InternalServerError", $fault: "server" })),
    ).toBe(false);
    expect(isPermanentSdkFault(undefined)).toBe(false);
  });
});

describe("retry backoff", () => {
  it("doubles per receive between half and all of the step, and never exceeds the cap", () => {
    for (let receive = 1; receive <= 8; receive += 1) {
      const step = Math.min(300, 20 * 2 ** (receive - 1));
      for (let sample = 0; sample < 50; sample += 1) {
        const delay = backoffSeconds(receive, 20, 300);
        expect(delay).toBeGreaterThanOrEqual(Math.floor(step / 2));
        expect(delay).toBeLessThanOrEqual(step);
      }
    }
  });
});
