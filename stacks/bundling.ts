import { existsSync, mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import { build } from "esbuild";

/** The runtime the bundles target; the functions are deployed on the matching `nodejs22.x`. */
export const BUNDLE_TARGET = "node22";
export const BUNDLE_FILE = "index.mjs";

/**
 * Modules the `nodejs22.x` runtime provides. Bundling the AWS SDK v3 would add about 350 KB per function
 * and half a second to every synth; the runtime's copy is kept current by AWS.
 */
export const RUNTIME_PROVIDED_MODULES = ["@aws-sdk/*"];

// CommonJS dependencies (the X-Ray SDK among them) call require(); an ES module has none of its own.
const REQUIRE_SHIM =
  'import { createRequire } from "node:module"; const require = createRequire(import.meta.url);';

export interface BundleRequest<Name extends string> {
  /** Absolute path of the project root; entries are relative to it. */
  readonly projectRoot: string;
  /** Function name to entry file, relative to `projectRoot`. */
  readonly entries: Readonly<Record<Name, string>>;
  /** Folder that receives one sub-folder per function, each holding `index.mjs`. Emptied first. */
  readonly outdir: string;
}

/**
 * Bundles every handler in one esbuild run and returns each function's bundle folder.
 *
 * Runs before any construct exists because cdktf hashes an asset folder when the asset is constructed.
 * esbuild works in its own process, so the caller can load cdktf meanwhile.
 * Output is deterministic: minified, no source maps, no legal-comment files, no absolute paths, and
 * esbuild writes no timestamps, so an unchanged handler gives byte-identical bundles and hashes.
 */
export async function bundleHandlers<Name extends string>(
  request: BundleRequest<Name>,
): Promise<Record<Name, string>> {
  const names = Object.keys(request.entries) as Name[];
  if (names.length === 0) throw new Error("bundleHandlers: no handler entries to bundle");
  const entryPoints: Record<string, string> = {};
  const missing: string[] = [];
  for (const name of names) {
    const entry = path.resolve(request.projectRoot, request.entries[name]);
    if (!existsSync(entry)) missing.push(`${name}: ${request.entries[name]}`);
    entryPoints[`${name}/index`] = entry;
  }
  if (missing.length > 0) {
    throw new Error(
      `bundleHandlers: entry files not found under ${request.projectRoot}:\n  - ${missing.join("\n  - ")}`,
    );
  }

  rmSync(request.outdir, { recursive: true, force: true });
  mkdirSync(request.outdir, { recursive: true });
  const result = await build({
    absWorkingDir: request.projectRoot,
    entryPoints,
    outdir: request.outdir,
    outExtension: { ".js": ".mjs" },
    bundle: true,
    platform: "node",
    format: "esm",
    target: BUNDLE_TARGET,
    mainFields: ["module", "main"],
    external: RUNTIME_PROVIDED_MODULES,
    minify: true,
    treeShaking: true,
    legalComments: "none",
    sourcemap: false,
    charset: "utf8",
    banner: { js: REQUIRE_SHIM },
    logLevel: "silent",
  });
  if (result.errors.length > 0) {
    throw new Error(
      `bundleHandlers: esbuild failed:\n${result.errors.map((error) => error.text).join("\n")}`,
    );
  }
  return Object.fromEntries(names.map((name) => [name, path.join(request.outdir, name)])) as Record<
    Name,
    string
  >;
}
