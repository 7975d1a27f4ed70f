import path from "node:path";
import { ENVIRONMENTS } from "./environments/index.ts";
import { summarizeSynthesis, synthesizeService } from "./stacks/service-app.ts";

// The only place that reads the process environment: cdktf's CLI passes the output folder this way.
const outdir = path.resolve(process.env.CDKTF_OUTDIR ?? "cdktf.out");

synthesizeService({ projectRoot: process.cwd(), outdir, environments: ENVIRONMENTS })
  .then(() => {
    // performance.now() counts from the start of the process: loading, bundling and synthesis.
    const seconds = (performance.now() / 1000).toFixed(1);
    const stacks = summarizeSynthesis(outdir, ENVIRONMENTS);
    const width = Math.max(...stacks.map((stack) => stack.name.length));
    console.log(`Synthesized ${stacks.length} stacks in ${seconds} s:`);
    for (const stack of stacks)
      console.log(
        `  ${stack.name.padEnd(width)}  ${String(stack.resources).padStart(4)} resources  ${stack.file}`,
      );
  })
  .catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
