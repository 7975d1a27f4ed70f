// One importer execution environment for the import benchmark: a fresh Node.js process that imports the importer's
// bundle and handles one S3 event, sampling its heap every 10 ms. Reports to file descriptor 3: how long the
// invocation took, the heap's high-water mark and the process's peak resident set (what Lambda's memory limit
// counts). Plain JavaScript, loaded as it is, like the cold-start runner.
import { readFileSync, writeSync } from "node:fs";
import { lambdaContext } from "../../local/lambda-context.mjs";

const { bundle, event, memoryMb, timeoutSeconds } = JSON.parse(readFileSync(process.argv[2], "utf8"));
const module = await import(bundle);
let heapPeak = process.memoryUsage().heapUsed;
const sampler = setInterval(() => {
  heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
}, 10);
const started = performance.now();
let error;
try {
  await module.handler(
    event,
    lambdaContext({
      functionName: "importer",
      qualifier: "live",
      region: "eu-west-1",
      memoryMb,
      timeoutSeconds,
      logStreamName: "bench",
    }),
  );
} catch (caught) {
  error = `${caught?.name}: ${caught?.message}`;
}
const ms = performance.now() - started;
clearInterval(sampler);
writeSync(
  3,
  JSON.stringify({ ms, error, heapPeakBytes: heapPeak, maxRssBytes: process.resourceUsage().maxRSS * 1024 }),
);
process.exit(0);
