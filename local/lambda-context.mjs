// The context object Lambda's Node.js runtime hands a handler, for the runner's function workers and the
// cold-start benchmark. Plain JavaScript: both load it as it is, no build step.
import { randomUUID } from "node:crypto";

/**
 * One invocation's context. Through an alias (`qualifier`), Lambda reports the version the alias points at (here
 * always the first) and the qualified ARN; unqualified, `$LATEST`.
 */
export function lambdaContext({ functionName, qualifier, region, memoryMb, timeoutSeconds, logStreamName }) {
  const started = Date.now();
  return {
    functionName,
    functionVersion: qualifier ? "1" : "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:${region}:000000000000:function:${functionName}${qualifier ? `:${qualifier}` : ""}`,
    memoryLimitInMB: String(memoryMb),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName,
    callbackWaitsForEmptyEventLoop: false,
    getRemainingTimeInMillis: () => Math.max(0, timeoutSeconds * 1000 - (Date.now() - started)),
  };
}
