import path from "node:path";
import { App } from "cdktf";
import { type EnvironmentConfig, validateEnvironments } from "../environments/environment-config.ts";
import { HANDLER_ENTRIES } from "../handlers/catalogue.ts";
import { bundleHandlers } from "./bundling.ts";
import { ServiceStack } from "./service-stack.ts";

export interface SynthesizeOptions {
  /** Absolute project root: handler entries are relative to it. */
  readonly projectRoot: string;
  /** Synth output folder (cdktf's `cdktf.out`). */
  readonly outdir: string;
  readonly environments: readonly EnvironmentConfig[];
}

/**
 * Validates every environment, bundles the handlers once, and synthesizes one stack per environment.
 * Validation comes first so a bad config is reported before any file is written.
 */
export function synthesizeService(options: SynthesizeOptions): App {
  validateEnvironments(options.environments);
  const bundles = bundleHandlers({
    projectRoot: options.projectRoot,
    entries: HANDLER_ENTRIES,
    outdir: path.join(options.outdir, "bundles"),
  });
  const app = new App({ outdir: options.outdir });
  for (const config of options.environments) new ServiceStack(app, config.name, { config, bundles });
  app.synth();
  return app;
}
