import path from "node:path";
import { ENVIRONMENTS } from "./environments/index.ts";
import { synthesizeService } from "./stacks/service-app.ts";

// The only place that reads the process environment: cdktf's CLI passes the output folder this way.
synthesizeService({
  projectRoot: process.cwd(),
  outdir: path.resolve(process.env.CDKTF_OUTDIR ?? "cdktf.out"),
  environments: ENVIRONMENTS,
}).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
