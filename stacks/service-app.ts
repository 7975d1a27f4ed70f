import { readFileSync } from "node:fs";
import path from "node:path";
import type { App } from "cdktf";
import { type EnvironmentConfig, validateEnvironments } from "../environments/environment-config.ts";
import { catalogueProblems, HANDLER_ENTRIES } from "../handlers/catalogue.ts";
import { bundleHandlers } from "./bundling.ts";
import { buildSite } from "./site-build.ts";

export interface SynthesizeOptions {
  /** Absolute project root: handler entries are relative to it. */
  readonly projectRoot: string;
  /** Synth output folder (cdktf's `cdktf.out`). */
  readonly outdir: string;
  readonly environments: readonly EnvironmentConfig[];
  /**
   * Where bundles are cached by the content of their inputs, or `false` to always build.
   * @default node_modules/.cache/handler-bundles under the project root (safe to delete)
   */
  readonly bundleCache?: string | false;
}

/**
 * Validates every environment, bundles the handlers once, and synthesizes one stack per environment.
 * Validation comes first, so a bad config is reported before any file is written. Bundling runs in
 * esbuild's process while this one loads cdktf and the providers (imported here, not at the top, for
 * exactly that overlap: about a fifth of a synth on two cores).
 */
export async function synthesizeService(options: SynthesizeOptions): Promise<App> {
  validateEnvironments(options.environments);
  const problems = catalogueProblems();
  if (problems.length > 0)
    throw new Error(`The operation catalogue is inconsistent:\n  - ${problems.join("\n  - ")}`);
  const bundling = bundleHandlers({
    projectRoot: options.projectRoot,
    entries: HANDLER_ENTRIES,
    outdir: path.join(options.outdir, "bundles"),
    cacheDir:
      options.bundleCache === false
        ? undefined
        : (options.bundleCache ??
          path.join(options.projectRoot, "node_modules", ".cache", "handler-bundles")),
  });
  // Observed now so a failed bundle is no unhandled rejection while modules load; the await below rethrows it.
  bundling.catch(() => undefined);
  const [{ App: CdktfApp }, { ServiceStack }] = await Promise.all([
    import("cdktf"),
    import("./service-stack.ts"),
  ]);
  const bundles = (await bundling).directories;
  const site = buildSite(path.join(options.projectRoot, "web"), path.join(options.outdir, "site"));
  const app = new CdktfApp({ outdir: options.outdir });
  for (const config of options.environments) new ServiceStack(app, config.name, { config, bundles, site });
  app.synth();
  return app;
}

/** What one synthesized stack holds, for the summary `npm run synth` prints. */
export interface SynthesizedStackSummary {
  readonly name: string;
  /** The stack's `cdk.tf.json`, relative to the working directory. */
  readonly file: string;
  readonly resources: number;
}

/** Reads back each stack `synthesizeService` wrote under `outdir`: where it is and how many resources it declares. */
export function summarizeSynthesis(
  outdir: string,
  environments: readonly EnvironmentConfig[],
): SynthesizedStackSummary[] {
  return environments.map((config) => {
    const file = path.join(outdir, "stacks", config.name, "cdk.tf.json");
    const stack = JSON.parse(readFileSync(file, "utf8")) as {
      resource?: Record<string, Record<string, unknown>>;
    };
    const resources = Object.values(stack.resource ?? {}).reduce(
      (sum, ofType) => sum + Object.keys(ofType).length,
      0,
    );
    return { name: config.name, file: path.relative(process.cwd(), file), resources };
  });
}
