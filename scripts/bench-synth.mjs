// Measures `npm run synth` (all three stacks, bundling included) against the same app run through
// type-checking ts-node, checks both write identical stacks, and reports each handler bundle's size
// and cold import time. Usage: node scripts/bench-synth.mjs [--runs 10] [--baseline-runs 5]
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
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
// GNU time reports the peak resident set of the largest process in the tree (ru_maxrss).
const gnuTime = ["/usr/bin/time", "/bin/time"].find((candidate) => existsSync(candidate));

function measure(command, outdir) {
  const argv = gnuTime ? [gnuTime, "-f", "%M", ...command] : command;
  const started = performance.now();
  const result = spawnSync(argv[0], argv.slice(1), {
    cwd: projectRoot,
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

function series(label, command, count) {
  // Inside the project, so bundles resolve the AWS SDK from node_modules as Lambda resolves the runtime's.
  mkdirSync(path.join(projectRoot, ".build"), { recursive: true });
  const outdir = mkdtempSync(path.join(projectRoot, ".build", "bench-"));
  measure(command, outdir); // warm the file cache; not counted
  const samples = Array.from({ length: count }, () => measure(command, outdir));
  return { label, outdir, count, wall: samples.map((s) => s.wallMs), peak: samples.map((s) => s.peakMiB) };
}

const fast = series("npm run synth (esbuild + node)", ["node", "scripts/run-ts.mjs", "main.ts"], runs);
const baseline = series("ts-node, type-checking", ["node", "scripts/synth-with-ts-node.cjs"], baselineRuns);
const manifest = JSON.parse(readFileSync(path.join(fast.outdir, "manifest.json"), "utf8"));
for (const stack of Object.keys(manifest.stacks)) {
  const read = (outdir) => readFileSync(path.join(outdir, "stacks", stack, "cdk.tf.json"), "utf8");
  if (read(fast.outdir) !== read(baseline.outdir))
    throw new Error(`The two runs synthesized different ${stack} stacks`);
}

const bundlesDir = path.join(fast.outdir, "bundles");
// A bundle must resolve the runtime-provided AWS SDK as Lambda does; here it comes from node_modules.
const bundleRows = readdirSync(bundlesDir)
  .sort()
  .map((name) => {
    const file = path.join(bundlesDir, name, "index.mjs");
    const imports = Array.from({ length: 5 }, () => {
      const child = spawnSync(
        "node",
        [
          "--no-warnings",
          "--input-type=module",
          "-e",
          `const t = performance.now(); await import(${JSON.stringify(file)}); console.log(performance.now() - t);`,
        ],
        { cwd: projectRoot, encoding: "utf8", env: { ...process.env, AWS_REGION: "eu-west-1" } },
      );
      if (child.status !== 0) throw new Error(`importing ${name} failed:\n${child.stderr}`);
      return Number(child.stdout.trim());
    });
    const bytes = statSync(file).size;
    return {
      name,
      bytes,
      deflated: deflateRawSync(readFileSync(file), { level: 9 }).length,
      importMs: median(imports),
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
console.log(row(fast));
console.log(row(baseline));
console.log(
  `\nts-node / esbuild median wall ratio: ${(median(baseline.wall) / median(fast.wall)).toFixed(1)}x; identical stacks: yes\n`,
);
console.log("| function | bundle KiB | deflated KiB | cold import ms (median of 5) |");
console.log("|---|---:|---:|---:|");
for (const bundle of bundleRows) {
  console.log(
    `| ${bundle.name} | ${fmt(bundle.bytes / 1024, 1)} | ${fmt(bundle.deflated / 1024, 1)} | ${fmt(bundle.importMs, 1)} |`,
  );
}
for (const s of [fast, baseline]) rmSync(s.outdir, { recursive: true, force: true });
