// `npm run bench -- [--runs 10] [--baseline-runs 5] [--cold-runs 10] [--before <git revision>]`: every figure
// BENCHMARKS.md reports about synthesis and cold starts, from one run.
// - `npm run synth` (all three stacks) with the bundle cache warm (handlers unchanged) and emptied before each run
//   (handlers changed), against the same app through type-checking ts-node; both must write identical stacks.
// - With --before, the same synth from that revision's tree (`git archive`, this checkout's node_modules), and its
//   bundles as the cold-start baseline.
// - Each handler bundle's size; each function's cold start (scripts/bench-cold-start.ts, which also writes the
//   per-invocation figures `npm run cost` prices to cost/measured-usage.json); each dependency's share
//   (scripts/bench-dependencies.ts).
import { execFileSync, spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
} from "node:fs";
import { cpus } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { deflateRawSync } from "node:zlib";

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const option = (name, fallback) => {
  const index = process.argv.indexOf(`--${name}`);
  const value = index >= 0 ? Number(process.argv[index + 1]) : fallback;
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer`);
  return value;
};
const runs = option("runs", 10);
const baselineRuns = option("baseline-runs", 5);
const coldRuns = option("cold-runs", 10);
const beforeIndex = process.argv.indexOf("--before");
const beforeRevision = beforeIndex >= 0 ? process.argv[beforeIndex + 1] : undefined;
// GNU time reports the peak resident set of the largest process in the tree (ru_maxrss).
const gnuTime = ["/usr/bin/time", "/bin/time"].find((candidate) => existsSync(candidate));
const bundleCache = path.join(projectRoot, "node_modules", ".cache", "handler-bundles");
const buildDir = path.join(projectRoot, ".build");
mkdirSync(buildDir, { recursive: true });
const resultsDir = path.join(projectRoot, "bench-results");
mkdirSync(resultsDir, { recursive: true });

function measure(command, outdir, cwd, beforeEach) {
  beforeEach?.();
  const argv = gnuTime ? [gnuTime, "-f", "%M", ...command] : command;
  const started = performance.now();
  const result = spawnSync(argv[0], argv.slice(1), {
    cwd,
    env: { ...process.env, CDKTF_OUTDIR: outdir },
    encoding: "utf8",
  });
  const wallMs = performance.now() - started;
  if (result.status !== 0) throw new Error(`${command.join(" ")} failed:\n${result.stderr}`);
  const lastLine = result.stderr.trim().split("\n").at(-1) ?? "";
  return { wallMs, peakMiB: gnuTime ? Number(lastLine) / 1024 : Number.NaN };
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

/**
 * Measures several series sample by sample (a, b, c, a, b, c, ...), so drift on a noisy machine hits them alike;
 * each series first runs once uncounted, to warm the file cache (and the bundle cache).
 */
function interleaved(specs) {
  const series = specs.map(({ label, command, count, cwd = projectRoot, beforeEach }) => {
    const outdir = mkdtempSync(path.join(buildDir, "bench-"));
    measure(command, outdir, cwd);
    return { label, command, count, cwd, beforeEach, outdir, wall: [], peak: [] };
  });
  const rounds = Math.max(...series.map((s) => s.count));
  for (let run = 0; run < rounds; run += 1) {
    // On stderr, so the tables on stdout stay clean: a whole run takes minutes.
    process.stderr.write(`synth round ${run + 1} of ${rounds}\n`);
    for (const s of series.filter((candidate) => run < candidate.count)) {
      const sample = measure(s.command, s.outdir, s.cwd, s.beforeEach);
      s.wall.push(sample.wallMs);
      s.peak.push(sample.peakMiB);
    }
  }
  return series;
}

/** The tree of `revision`, unpacked beside this checkout, sharing its node_modules. */
function checkoutOf(revision) {
  const folder = path.join(buildDir, `bench-before-${revision.replace(/[^\w.-]/g, "_")}`);
  rmSync(folder, { recursive: true, force: true });
  mkdirSync(folder, { recursive: true });
  const archive = execFileSync("git", ["archive", "--format=tar", revision], {
    cwd: projectRoot,
    maxBuffer: 1 << 30,
  });
  execFileSync("tar", ["-x", "-C", folder], { input: archive });
  symlinkSync(path.join(projectRoot, "node_modules"), path.join(folder, "node_modules"), "dir");
  return folder;
}

const synth = ["node", "scripts/run-ts.mjs", "main.ts"];
const beforeTree = beforeRevision ? checkoutOf(beforeRevision) : undefined;
const [warm, cold, baseline, before] = interleaved([
  { label: "npm run synth, handlers unchanged (bundle cache hit)", command: synth, count: runs },
  {
    label: "npm run synth, handlers changed (bundle cache emptied first)",
    command: synth,
    count: runs,
    beforeEach: () => rmSync(bundleCache, { recursive: true, force: true }),
  },
  {
    label: "ts-node, type-checking",
    command: ["node", "scripts/synth-with-ts-node.cjs"],
    count: baselineRuns,
  },
  ...(beforeTree
    ? [{ label: `npm run synth at ${beforeRevision}`, command: synth, count: runs, cwd: beforeTree }]
    : []),
]);
const manifest = JSON.parse(readFileSync(path.join(warm.outdir, "manifest.json"), "utf8"));
for (const stack of Object.keys(manifest.stacks)) {
  const read = (outdir) => readFileSync(path.join(outdir, "stacks", stack, "cdk.tf.json"), "utf8");
  if (read(warm.outdir) !== read(baseline.outdir) || read(warm.outdir) !== read(cold.outdir))
    throw new Error(`The runs synthesized different ${stack} stacks`);
}

const bundleRows = (outdir) =>
  readdirSync(path.join(outdir, "bundles"))
    .sort()
    .map((name) => {
      const file = path.join(outdir, "bundles", name, "index.mjs");
      return {
        name,
        bytes: statSync(file).size,
        deflated: deflateRawSync(readFileSync(file), { level: 9 }).length,
      };
    });

const fmt = (value, digits = 0) => (Number.isNaN(value) ? "n/a" : value.toFixed(digits));
const row = (s) =>
  `| ${s.label} | ${s.count} | ${fmt(median(s.wall))} | ${fmt(Math.min(...s.wall))} | ${fmt(Math.max(...s.wall))} | ${fmt(median(s.peak))} | ${fmt(Math.max(...s.peak))} |`;
console.log(
  `Synth of ${Object.keys(manifest.stacks).join(", ")}, bundling included (${cpus().length} cores, Node ${process.version})\n`,
);
console.log("| command | runs | median ms | min ms | max ms | median peak MiB | max peak MiB |");
console.log("|---|---:|---:|---:|---:|---:|---:|");
for (const s of [warm, cold, ...(before ? [before] : []), baseline]) console.log(row(s));
console.log(
  `\nts-node / esbuild median wall ratio: ${(median(baseline.wall) / median(warm.wall)).toFixed(1)}x; identical stacks: yes`,
);

const afterBundles = bundleRows(warm.outdir);
const beforeBundles = before ? bundleRows(before.outdir) : [];
console.log(
  `\n| function | bundle KiB | deflated KiB |${before ? ` ${beforeRevision}: bundle KiB | deflated KiB |` : ""}`,
);
console.log(`|---|---:|---:|${before ? "---:|---:|" : ""}`);
for (const bundle of afterBundles) {
  const old = beforeBundles.find((candidate) => candidate.name === bundle.name);
  console.log(
    `| ${bundle.name} | ${fmt(bundle.bytes / 1024, 1)} | ${fmt(bundle.deflated / 1024, 1)} |${old ? ` ${fmt(old.bytes / 1024, 1)} | ${fmt(old.deflated / 1024, 1)} |` : ""}`,
  );
}

const runScript = (script, args) => {
  const result = spawnSync("node", ["--no-warnings", "scripts/run-ts.mjs", script, ...args], {
    cwd: projectRoot,
    stdio: ["ignore", "inherit", "inherit"],
  });
  if (result.status !== 0) throw new Error(`${script} failed`);
};
runScript("scripts/bench-cold-start.ts", [
  "--stack",
  path.join(warm.outdir, "stacks", "dev", "cdk.tf.json"),
  ...(before ? ["--set", `${beforeRevision}=${path.join(before.outdir, "bundles")}`] : []),
  "--set",
  `this tree=${path.join(warm.outdir, "bundles")}`,
  "--runs",
  String(coldRuns),
  "--json",
  path.join(resultsDir, "cold-start.json"),
  "--usage-json",
  path.join(projectRoot, "cost", "measured-usage.json"),
]);
runScript("scripts/bench-dependencies.ts", [
  "--runs",
  String(coldRuns),
  "--json",
  path.join(resultsDir, "dependencies.json"),
]);

for (const s of [warm, cold, baseline, ...(before ? [before] : [])])
  rmSync(s.outdir, { recursive: true, force: true });
if (beforeTree) rmSync(beforeTree, { recursive: true, force: true });
