// One function's execution environment: loads the deployed bundle once, then runs invocations sent by
// the function host. Plain JavaScript: the worker loads it as it is, no build step.
import { randomUUID } from "node:crypto";
import { parentPort, workerData } from "node:worker_threads";

const { bundle, functionName, timeoutSeconds } = workerData;
const module = await import(bundle);

// The host sends one invocation at a time, as Lambda gives an execution environment one invocation at a time.
parentPort.on("message", async ({ event }) => {
  const started = Date.now();
  const context = {
    functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: "512",
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: "local",
    callbackWaitsForEmptyEventLoop: false,
    getRemainingTimeInMillis: () => Math.max(0, timeoutSeconds * 1000 - (Date.now() - started)),
  };
  try {
    const result = await module.handler(event, context);
    parentPort.postMessage({ result });
  } catch (error) {
    parentPort.postMessage({
      error: { name: error?.name ?? "Error", message: error?.message ?? String(error) },
    });
  }
});
parentPort.postMessage({ ready: true });
