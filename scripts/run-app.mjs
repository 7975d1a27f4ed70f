// Runs main.ts: cdktf.json's `app` command and `npm run synth`.
// esbuild compiles the app's own TypeScript in milliseconds, without type-checking (the tests do that),
// leaving packages to Node; CommonJS output lets Node resolve the providers' deep imports.
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { buildSync } from "esbuild";

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const outfile = path.join(projectRoot, ".build", "main.cjs");
buildSync({
  absWorkingDir: projectRoot,
  entryPoints: ["main.ts"],
  outfile,
  bundle: true,
  packages: "external",
  platform: "node",
  format: "cjs",
  target: "node20",
  logLevel: "warning",
});
process.chdir(projectRoot);
createRequire(import.meta.url)(outfile);
