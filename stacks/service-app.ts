import path from "node:path";
import type { App } from "cdktf";
import { type EnvironmentConfig, validateEnvironments } from "../environments/environment-config.ts";
import { HANDLER_ENTRIES } from "../handlers/catalogue.ts";
import { bundleHandlers } from "./bundling.ts";

export interface SynthesizeOptions {
  /** Absolute project root: handler entries are relative to it. */
  readonly projectRoot: string;
  /** Synth output folder (cdktf's `cdktf.out`). */
  readonly outdir: string;
  readonly environments: readonly EnvironmentConfig[];
}

/**
 * Validates every environment, bundles the handlers once, and synthesizes one stack per environment.
 * Validation comes first, so a bad config is reported before any file is written. Bundling runs in
 * esbuild's process while this one loads cdktf and the providers (imported here, not at the top, for
 * exactly that overlap: about a fifth of a synth on two cores).
 */
export async function synthesizeService(options: SynthesizeOptions): Promise<App> {
  validateEnvironments(options.environments);
  const bundling = bundleHandlers({
    projectRoot: options.projectRoot,
    entries: HANDLER_ENTRIES,
    outdir: path.join(options.outdir, "bundles"),
  });
  // Observed now so a failed bundle is no unhandled rejection while modules load; the await below rethrows it.
  bundling.catch(() => undefined);
  const [{ App: CdktfApp }, { ServiceStack }] = await Promise.all([
    import("cdktf"),
    import("./service-stack.ts"),
  ]);
  const bundles = await bundling;
  const app = new CdktfApp({ outdir: options.outdir });
  for (const config of options.environments) new ServiceStack(app, config.name, { config, bundles });
  app.synth();
  return app;
}
