import { spawnSync } from "node:child_process";
import { mkdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { BUNDLE_FILE, bundleHandlers } from "../stacks/bundling.ts";
import { median } from "./median.ts";

// `node scripts/run-ts.mjs scripts/bench-dependencies.ts [--runs 10] [--json <file>]`: what each dependency of the
// handlers costs a cold start. Each is bundled alone, exactly as the handlers are (stacks/bundling.ts), created the
// way handlers/lib creates it, and imported by a fresh Node.js process; its share is the median import time
// less that of an empty bundle. The Tracer is measured though the handlers no longer use it: it is why.

const runsIndex = process.argv.indexOf("--runs");
const RUNS = runsIndex >= 0 ? Number(process.argv[runsIndex + 1]) : 10;
if (!Number.isInteger(RUNS) || RUNS < 1) throw new Error("--runs must be a positive integer");
const jsonIndex = process.argv.indexOf("--json");
const jsonFile = jsonIndex >= 0 ? process.argv[jsonIndex + 1] : undefined;

/** Each dependency as handlers/lib uses it: imported and created once at module scope. */
const DEPENDENCIES: Record<string, { label: string; source: string }> = {
  empty: {
    label: "(an empty bundle: Node.js loading an ES module)",
    source: "export const handler = async () => 1;",
  },
  dynamodb: {
    label: "@aws-sdk/client-dynamodb + lib-dynamodb (document client)",
    source:
      'import { DynamoDBClient } from "@aws-sdk/client-dynamodb";\nimport { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";\nexport const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));',
  },
  sqs: {
    label: "@aws-sdk/client-sqs",
    source: 'import { SQSClient } from "@aws-sdk/client-sqs";\nexport const client = new SQSClient({});',
  },
  connections: {
    label: "@aws-sdk/client-apigatewaymanagementapi",
    source:
      'import { ApiGatewayManagementApiClient } from "@aws-sdk/client-apigatewaymanagementapi";\nexport const client = new ApiGatewayManagementApiClient({ endpoint: "https://example.com" });',
  },
  "dynamodb-sqs": {
    label: "DynamoDB and SQS clients together (what a command consumer loads)",
    source:
      'import { DynamoDBClient } from "@aws-sdk/client-dynamodb";\nimport { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";\nimport { SQSClient } from "@aws-sdk/client-sqs";\nexport const clients = [DynamoDBDocumentClient.from(new DynamoDBClient({})), new SQSClient({})];',
  },
  logger: {
    label: "Powertools Logger",
    source: 'import { Logger } from "@aws-lambda-powertools/logger";\nexport const logger = new Logger();',
  },
  metrics: {
    label: "Powertools Metrics",
    source:
      'import { Metrics } from "@aws-lambda-powertools/metrics";\nexport const metrics = new Metrics();',
  },
  batch: {
    label: "Powertools batch processor",
    source:
      'import { BatchProcessor, EventType } from "@aws-lambda-powertools/batch";\nexport const processor = new BatchProcessor(EventType.SQS);',
  },
  contracts: {
    label: "zod/mini and the contracts (handlers/lib/contracts.ts)",
    source: 'export * from "../../../handlers/lib/contracts.ts";',
  },
  tracer: {
    label: "Powertools Tracer with the X-Ray SDK (no longer used)",
    source: 'import { Tracer } from "@aws-lambda-powertools/tracer";\nexport const tracer = new Tracer();',
  },
};

async function main(): Promise<void> {
  const root = process.cwd();
  const folder = path.join(root, ".build", "dependency-bench");
  rmSync(folder, { recursive: true, force: true });
  mkdirSync(path.join(folder, "src"), { recursive: true });
  const entries: Record<string, string> = {};
  for (const [name, { source }] of Object.entries(DEPENDENCIES)) {
    writeFileSync(path.join(folder, "src", `${name}.ts`), `${source}\n`);
    entries[name] = path.relative(root, path.join(folder, "src", `${name}.ts`));
  }
  const { directories } = await bundleHandlers({
    projectRoot: root,
    entries,
    outdir: path.join(folder, "out"),
  });
  const importMs = (file: string) => {
    const child = spawnSync(
      process.execPath,
      [
        "--no-warnings",
        "--input-type=module",
        "-e",
        `const t = performance.now(); await import(${JSON.stringify(file)}); process.stdout.write(String(performance.now() - t));`,
      ],
      { encoding: "utf8", env: { PATH: process.env.PATH ?? "", AWS_REGION: "eu-west-1" } },
    );
    if (child.status !== 0) throw new Error(`importing ${file} failed:\n${child.stderr}`);
    return Number(child.stdout);
  };
  const names = Object.keys(DEPENDENCIES);
  const samples = new Map<string, number[]>(names.map((name) => [name, []]));
  // Interleaved, so drift on a noisy machine hits every dependency alike.
  for (let run = 0; run < RUNS; run += 1)
    for (const name of names)
      samples.get(name)?.push(importMs(path.join(directories[name] as string, BUNDLE_FILE)));
  const baseline = median(samples.get("empty") ?? []);
  const rows = names.map((name) => ({
    name,
    label: DEPENDENCIES[name]?.label ?? name,
    bundleKiB: statSync(path.join(directories[name] as string, BUNDLE_FILE)).size / 1024,
    importMs: median(samples.get(name) ?? []),
    shareMs: name === "empty" ? 0 : median(samples.get(name) ?? []) - baseline,
  }));
  console.log(
    `\nWhat each dependency adds to a cold start: bundled alone, median import of ${RUNS} fresh processes\n`,
  );
  console.log("| dependency | bundle KiB | import ms | added ms |");
  console.log("|---|---:|---:|---:|");
  for (const row of rows)
    console.log(
      `| ${row.label} | ${row.bundleKiB.toFixed(1)} | ${row.importMs.toFixed(1)} | ${row.name === "empty" ? "-" : row.shareMs.toFixed(1)} |`,
    );
  if (jsonFile) writeFileSync(jsonFile, `${JSON.stringify({ runs: RUNS, dependencies: rows }, null, 2)}\n`);
  rmSync(folder, { recursive: true, force: true });
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exitCode = 1;
});
