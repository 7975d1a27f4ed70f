import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ENVIRONMENT_NAMES, environmentNamed } from "../environments/index.ts";
import type { StackJson } from "../synthesized/stack-json.ts";
import { type Estimate, estimateCost, type MeasuredUsage, type PriceTable } from "./model.ts";
import { renderMarkdown, renderText } from "./render.ts";
import { serviceTraffic } from "./traffic.ts";

// `npm run cost -- <env> [--requests N] [--base <checkout>] [--json <file>] [--markdown <file>]`: the monthly cost
// of a synthesized environment at N requests a month (default a million), from the stack, the figures
// `npm run bench` measured (cost/measured-usage.json) and the dated price table of its region. With --base, the
// same estimate of another checkout (the pull request's base branch, synthesized there), and how it moved.

const USAGE = `usage: npm run cost -- <${ENVIRONMENT_NAMES.join("|")}> [--requests N] [--base <checkout>] [--json <file>] [--markdown <file>]`;

function fail(message: string): never {
  console.error(message);
  process.exit(2);
}

interface Options {
  readonly environment: string;
  readonly requests: number;
  readonly base?: string;
  readonly json?: string;
  readonly markdown?: string;
}

function parseArguments(argv: string[]): Options {
  const [environment, ...rest] = argv;
  if (!environment || environment.startsWith("--")) fail(USAGE);
  if (!ENVIRONMENT_NAMES.includes(environment))
    fail(`no environment "${environment}"; environments: ${ENVIRONMENT_NAMES.join(", ")}\n${USAGE}`);
  const options: Record<string, string> = {};
  for (let index = 0; index < rest.length; index += 2) {
    const [flag, value] = [rest[index] as string, rest[index + 1]];
    if (!["--requests", "--base", "--json", "--markdown"].includes(flag))
      fail(`unknown option ${flag}\n${USAGE}`);
    if (value === undefined) fail(`${flag} needs a value\n${USAGE}`);
    options[flag.slice(2)] = value;
  }
  const requests = Number((options.requests ?? "1000000").replaceAll("_", ""));
  if (!Number.isFinite(requests) || requests < 0)
    fail(`--requests must be a number of requests a month (0 or more), got "${options.requests}"`);
  return { environment, requests, base: options.base, json: options.json, markdown: options.markdown };
}

function readJson<T>(file: string, what: string): T {
  if (!existsSync(file)) fail(`${file} does not exist: ${what}`);
  try {
    return JSON.parse(readFileSync(file, "utf8")) as T;
  } catch (error) {
    fail(`${file} is not valid JSON (${(error as Error).message}): ${what}`);
  }
}

/** One checkout's estimate: its synthesized stack, and its own measured figures and prices where it has them. */
function estimateOf(checkout: string, stackFile: string, environment: string, requests: number): Estimate {
  const config = environmentNamed(environment);
  const borrowed: string[] = [];
  const own = (file: string) => {
    const candidate = path.join(checkout, "cost", file);
    if (existsSync(candidate)) return candidate;
    borrowed.push(`${checkout} has no cost/${file}: priced with this checkout's`);
    return path.join("cost", file);
  };
  const estimate = estimateCost({
    environment,
    namePrefix: config.namePrefix,
    requests,
    stack: readJson<StackJson>(stackFile, "synthesize it first (npm run synth)"),
    prices: readJson<PriceTable>(
      own(`prices.${config.region}.json`),
      `the price table of ${config.region}: add one, with its date and sources`,
    ),
    measured: readJson<MeasuredUsage>(
      own("measured-usage.json"),
      "measure the functions first (npm run bench)",
    ),
    traffic: serviceTraffic(),
  });
  return { ...estimate, notes: [...borrowed, ...estimate.notes] };
}

const options = parseArguments(process.argv.slice(2));
const outdir = path.resolve(process.env.CDKTF_OUTDIR ?? "cdktf.out");
const estimate = estimateOf(
  ".",
  path.join(outdir, "stacks", options.environment, "cdk.tf.json"),
  options.environment,
  options.requests,
);
const base = options.base
  ? estimateOf(
      options.base,
      path.join(options.base, "cdktf.out", "stacks", options.environment, "cdk.tf.json"),
      options.environment,
      options.requests,
    )
  : undefined;
console.log(renderText(estimate));
if (base)
  console.log(
    `\nbase (${options.base}): ${base.totalUsd.toFixed(2)} USD a month; this checkout ${(estimate.totalUsd - base.totalUsd >= 0 ? "+" : "") + (estimate.totalUsd - base.totalUsd).toFixed(2)} USD`,
  );
for (const [file, content] of [
  [options.json, `${JSON.stringify({ estimate, base }, null, 2)}\n`],
  [options.markdown, renderMarkdown(estimate, base)],
] as const) {
  if (!file) continue;
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  writeFileSync(file, content);
  console.log(`Wrote ${file}`);
}
