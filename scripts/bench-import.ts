import { spawn } from "node:child_process";
import {
  createReadStream,
  createWriteStream,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { dev } from "../environments/dev.ts";
import { resolveEnvironment } from "../local/emulations.ts";
import { localBuckets, s3Emulation } from "../local/s3/emulation.ts";
import { type ObjectCreated, startS3Endpoint } from "../local/s3/endpoint.ts";
import { NotificationDelivery, readBucketNotifications } from "../local/s3/notifications.ts";
import { SqsBroker } from "../local/sqs/broker.ts";
import { sqsEmulation, startSqsEndpoint } from "../local/sqs/endpoint.ts";
import { LOCAL_ACCOUNT_ID } from "../local/sqs/queue-attributes.ts";
import { synthesizeService } from "../stacks/service-app.ts";
import { readStackModel } from "../synthesized/service-model.ts";
import type { StackJson } from "../synthesized/stack-json.ts";

// `npm run bench:import -- [--mb 100] [--row-bytes 100]`: the importer on a file at the size limit. Synthesizes
// the dev stack, writes a JSONL file of --mb MB of rows of about --row-bytes bytes, uploads it to the local S3 and
// runs the importer's bundle on its S3 event in a fresh process (its memory is its own, as in Lambda), against the
// local S3 and SQS (the create queue drained as the consumer would). Prints rows per second through the importer
// and its peak heap and resident set; checks that every row was queued and the result says so.

const option = (name: string, fallback: number) => {
  const index = process.argv.indexOf(`--${name}`);
  const value = index >= 0 ? Number(process.argv[index + 1]) : fallback;
  if (!(value > 0)) throw new Error(`--${name} must be a positive number`);
  return value;
};
const megabytes = option("mb", 100);
const rowBytes = option("row-bytes", 100);
const projectRoot = process.cwd();

async function writeFile(file: string): Promise<number> {
  const output = createWriteStream(file);
  const limit = megabytes * 1024 * 1024;
  // The description pads each row to about --row-bytes bytes.
  const padding = "d".repeat(Math.max(0, rowBytes - 40));
  let rows = 0;
  for (let bytes = 0; ; rows += 1) {
    const text = `${JSON.stringify({ name: `Item ${rows}`, description: padding })}\n`;
    if (bytes + text.length > limit) break;
    bytes += text.length;
    if (!output.write(text)) await new Promise<void>((resolve) => output.once("drain", () => resolve()));
  }
  await new Promise<void>((resolve) => output.end(() => resolve()));
  return rows;
}

async function main(): Promise<void> {
  const work = mkdtempSync(path.join(tmpdir(), "bench-import-"));
  try {
    const outdir = path.join(work, "synth");
    await synthesizeService({ projectRoot, outdir, environments: [dev] });
    const stackDir = path.join(outdir, "stacks", dev.name);
    const stack = JSON.parse(readFileSync(path.join(stackDir, "cdk.tf.json"), "utf8")) as StackJson;
    const model = readStackModel(stack, stackDir);
    const [target] = readBucketNotifications(stack);
    const importer = model.functions.find((fn) => fn.name === `${dev.namePrefix}-importer`);
    if (!target || !importer) throw new Error("the dev stack has no importer notified of uploads");

    const file = path.join(work, "items.jsonl");
    const rows = await writeFile(file);
    const size = statSync(file).size;
    const queueArn = (name: string) => `arn:aws:sqs:${model.region}:${LOCAL_ACCOUNT_ID}:${name}`;
    const broker = new SqsBroker(model.queues.map((queue) => ({ ...queue, arn: queueArn(queue.name) })));
    const sqs = await startSqsEndpoint(broker);
    const created: ObjectCreated[] = [];
    const s3Endpoint = await startS3Endpoint({
      buckets: localBuckets(stack),
      onObjectCreated: (object) => created.push(object),
    });
    const events = new NotificationDelivery([target], async () => undefined, {
      region: model.region,
      log: () => {},
    });
    const createQueue = `${dev.namePrefix}-create`;
    let queued = 0;
    // The create consumer's part: commands are taken off the queue as they arrive.
    const drain = setInterval(() => {
      const messages = broker.receive(createQueue, Number.MAX_SAFE_INTEGER);
      for (const message of messages) broker.delete(createQueue, message.receiptHandle ?? "");
      queued += messages.length;
    }, 20);
    try {
      const s3 = new S3Client({
        endpoint: s3Endpoint.url,
        forcePathStyle: true,
        region: model.region,
        credentials: { accessKeyId: "local", secretAccessKey: "local" },
      });
      const key = "imports/0f6b3c1e-1111-4222-8333-444455556666/items.jsonl";
      await s3.send(
        new PutObjectCommand({
          Bucket: target.bucket,
          Key: key,
          Body: createReadStream(file),
          ContentLength: size,
        }),
      );
      s3.destroy();
      const object = created.find((candidate) => candidate.object.key === key);
      if (!object) throw new Error("the upload made no object-created event");
      const { variables } = resolveEnvironment(stack, importer.environment, [
        sqsEmulation(sqs.queueUrl, queueArn),
        s3Emulation,
      ]);
      const spec = path.join(work, "spec.json");
      writeFileSync(
        spec,
        JSON.stringify({
          bundle: importer.bundle,
          event: events.eventFor(target, object),
          memoryMb: dev.imports.importerMemoryMb,
          timeoutSeconds: importer.timeoutSeconds,
        }),
      );
      const report = await runImporter(spec, {
        ...variables,
        AWS_REGION: model.region,
        AWS_ACCESS_KEY_ID: "local",
        AWS_SECRET_ACCESS_KEY: "local",
        AWS_ENDPOINT_URL_S3: s3Endpoint.url,
        AWS_ENDPOINT_URL_SQS: sqs.url,
        POWERTOOLS_LOG_LEVEL: "WARN",
        POWERTOOLS_METRICS_DISABLED: "true",
        PATH: process.env.PATH ?? "",
      });
      if (report.error) throw new Error(`the importer failed: ${report.error}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
      const messages = broker.receive(createQueue, Number.MAX_SAFE_INTEGER);
      queued += messages.length;
      const resultObject = s3Endpoint.store.get(
        target.bucket,
        `results/0f6b3c1e-1111-4222-8333-444455556666/items.jsonl.result.json`,
      );
      if (queued !== rows) throw new Error(`${rows} rows in the file, ${queued} commands queued`);
      const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
      console.log(`file: ${mb(size)} MB, ${rows} rows of about ${rowBytes} bytes (JSONL)`);
      console.log(
        `importer (${dev.imports.importerMemoryMb} MB configured): ${(report.ms / 1000).toFixed(1)} s, ${Math.round(rows / (report.ms / 1000))} rows/s`,
      );
      console.log(`peak heap ${mb(report.heapPeakBytes)} MB, peak RSS ${mb(report.maxRssBytes)} MB`);
      console.log(`result: ${mb(resultObject.size)} MB listing every row; ${queued} commands queued`);
    } finally {
      clearInterval(drain);
      events.close();
      await Promise.all([sqs.close(), s3Endpoint.close()]);
      broker.close();
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

interface ImporterReport {
  ms: number;
  error?: string;
  heapPeakBytes: number;
  maxRssBytes: number;
}

function runImporter(spec: string, env: Record<string, string>): Promise<ImporterReport> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [path.join(projectRoot, "scripts", "import", "run-importer.mjs"), spec],
      {
        env,
        stdio: ["ignore", "inherit", "inherit", "pipe"],
      },
    );
    let report = "";
    child.stdio[3]?.on("data", (chunk: Buffer) => {
      report += chunk.toString("utf8");
    });
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0
        ? resolve(JSON.parse(report) as ImporterReport)
        : reject(new Error(`the importer's process exited with ${code}`)),
    );
  });
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exitCode = 1;
});
