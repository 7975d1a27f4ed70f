// One function's execution environment: loads the deployed bundle once, then runs invocations sent by
// the function host. Plain JavaScript: the worker loads it as it is, no build step.
import { randomUUID } from "node:crypto";
import { parentPort, workerData } from "node:worker_threads";

const { bundle, functionName, timeoutSeconds } = workerData;
const module = await import(bundle);

parentPort.on("message", async ({ id, event, qualifier }) => {
  const started = Date.now();
  // Through an alias, Lambda reports the version it points at (the runner's is the first) and the qualified ARN.
  const context = {
    functionName,
    functionVersion: qualifier ? "1" : "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}${qualifier ? `:${qualifier}` : ""}`,
    memoryLimitInMB: "512",
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: "local",
    callbackWaitsForEmptyEventLoop: false,
    getRemainingTimeInMillis: () => Math.max(0, timeoutSeconds * 1000 - (Date.now() - started)),
  };
  try {
    const result = await module.handler(event, context);
    parentPort.postMessage({ id, result });
  } catch (error) {
    parentPort.postMessage({
      id,
      error: { name: error?.name ?? "Error", message: error?.message ?? String(error) },
    });
  }
});
parentPort.postMessage({ ready: true });
