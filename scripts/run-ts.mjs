// Runs one of the project's TypeScript entry points: `node scripts/run-ts.mjs main.ts` is cdktf.json's app
// command and `npm run synth`; `policy/cli.ts` is `npm run policy`.
// esbuild compiles the project's own TypeScript in milliseconds, without type-checking (the tests do that),
// leaving packages to Node; CommonJS output lets Node resolve the providers' deep imports.
import { existsSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { buildSync } from "esbuild";

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const entry = process.argv[2];
if (!entry?.endsWith(".ts") || !existsSync(path.join(projectRoot, entry))) {
  console.error(`usage: node scripts/run-ts.mjs <entry.ts relative to ${projectRoot}> [arguments]`);
  process.exit(2);
}
const outfile = path.join(projectRoot, ".build", entry.replace(/\.ts$/, ".cjs"));
const { outputFiles } = buildSync({
  absWorkingDir: projectRoot,
  entryPoints: [entry],
  outfile,
  write: false,
  bundle: true,
  packages: "external",
  platform: "node",
  format: "cjs",
  target: "node20",
  logLevel: "warning",
});
// Several runs of one entry at once (parallel plans, a runner and its CLI commands) share one outfile: each writes
// its own file and renames it over the outfile, so no run ever loads another's half-written bundle.
for (const file of outputFiles) {
  mkdirSync(path.dirname(file.path), { recursive: true });
  const partial = `${file.path}.${process.pid}.partial`;
  writeFileSync(partial, file.contents);
  renameSync(partial, file.path);
}
process.chdir(projectRoot);
process.argv.splice(2, 1);
createRequire(import.meta.url)(outfile);
