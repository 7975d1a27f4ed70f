// One function's execution environment: loads the deployed bundle once, then runs invocations sent by
// the function host. Plain JavaScript: the worker loads it as it is, no build step.
import { parentPort, workerData } from "node:worker_threads";
import { lambdaContext } from "./lambda-context.mjs";

const { bundle, functionName, timeoutSeconds } = workerData;
const module = await import(bundle);

// The host sends one invocation at a time, as Lambda gives an execution environment one invocation at a time.
parentPort.on("message", async ({ event, qualifier }) => {
  const context = lambdaContext({
    functionName,
    qualifier,
    region: "local",
    memoryMb: 512,
    timeoutSeconds,
    logStreamName: "local",
  });
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
