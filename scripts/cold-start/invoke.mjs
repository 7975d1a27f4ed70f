// One Lambda execution environment, as the cold-start benchmark starts it: a fresh Node.js process that imports
// a function's bundle (Lambda's Init), then serves the events it is given one after another (the first is the
// cold invocation, the rest are warm). Timings go to file descriptor 3, so the function's own log lines on
// stdout and stderr stay separate and can be counted as CloudWatch Logs would receive them.
// Plain JavaScript, loaded as it is: no build step may stand between the process start and the import.
import { randomBytes } from "node:crypto";
import { readFileSync, writeSync } from "node:fs";
import { lambdaContext } from "../../local/lambda-context.mjs";

const bootMs = performance.now();
const { bundle, functionName, memoryMb, timeoutSeconds, events } = JSON.parse(
  readFileSync(process.argv[2], "utf8"),
);
const importStarted = performance.now();
const module = await import(bundle);
const importMs = performance.now() - importStarted;

const invocations = [];
for (const event of events) {
  // Lambda sets the trace header per invocation; the SDK forwards it (X-Amzn-Trace-Id) on every call.
  process.env._X_AMZN_TRACE_ID = `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${randomBytes(12).toString("hex")};Parent=${randomBytes(8).toString("hex")};Sampled=1`;
  const started = performance.now();
  const context = lambdaContext({
    functionName,
    qualifier: "live",
    region: "eu-west-1",
    memoryMb,
    timeoutSeconds,
    logStreamName: "cold-start",
  });
  try {
    const result = await module.handler(event, context);
    invocations.push({ ms: performance.now() - started, result });
  } catch (error) {
    invocations.push({ ms: performance.now() - started, error: `${error?.name}: ${error?.message}` });
  }
}
writeSync(3, JSON.stringify({ bootMs, importMs, invocations }));
// Lambda freezes the environment here; keep-alive sockets would otherwise hold the process open.
process.exit(0);
