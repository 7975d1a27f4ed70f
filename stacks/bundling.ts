import { createHash } from "node:crypto";
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import path from "node:path";
import { type BuildOptions, build, version as esbuildVersion } from "esbuild";

/** The runtime the bundles target; the functions are deployed on the matching `nodejs22.x`. */
export const BUNDLE_TARGET = "node22";
export const BUNDLE_FILE = "index.mjs";

/**
 * Project files that change what esbuild makes of the same sources: the lockfile pins every package the
 * bundles contain (the AWS SDK among them), `package.json` and `tsconfig.json` steer resolution and
 * TypeScript's emit. Each one's content is part of the cache key.
 */
export const BUNDLE_CONFIG_FILES = ["package-lock.json", "package.json", "tsconfig.json"] as const;

/** How many cached bundle sets to keep; older ones are deleted after each build. */
const CACHE_ENTRIES_KEPT = 8;

// CommonJS dependencies call require(); an ES module has none of its own.
const REQUIRE_SHIM =
  'import { createRequire } from "node:module"; const require = createRequire(import.meta.url);';

/**
 * What esbuild is told, besides the entries and the output folder. The AWS SDK v3 is bundled, not left to
 * the runtime: tree-shaken and minified, it initialises in less than half the time the runtime's copy takes
 * (BENCHMARKS.md), and the SDK version the tests ran is the one deployed.
 */
const BUILD_OPTIONS = {
  outExtension: { ".js": ".mjs" },
  bundle: true,
  platform: "node",
  format: "esm",
  target: BUNDLE_TARGET,
  mainFields: ["module", "main"],
  minify: true,
  treeShaking: true,
  legalComments: "none",
  sourcemap: false,
  charset: "utf8",
  banner: { js: REQUIRE_SHIM },
  logLevel: "silent",
} as const satisfies BuildOptions;

export interface BundleRequest<Name extends string> {
  /** Absolute path of the project root; entries are relative to it. */
  readonly projectRoot: string;
  /** Function name to entry file, relative to `projectRoot`. */
  readonly entries: Readonly<Record<Name, string>>;
  /** Folder that receives one sub-folder per function, each holding `index.mjs`. Emptied first. */
  readonly outdir: string;
  /**
   * Folder of bundles kept from earlier builds, keyed by the content of every input (see `bundleCacheKey`).
   * Safe to delete at any time: a missing or unreadable entry is a miss. @default no cache: always build
   */
  readonly cacheDir?: string;
}

export interface BundleResult<Name extends string> {
  /** Each function's bundle folder, under `outdir`. */
  readonly directories: Record<Name, string>;
  /** `hit`: copied from the cache, esbuild did not run; `miss`: built and stored; `off`: built, no cache. */
  readonly cache: "hit" | "miss" | "off";
}

/** The cache's record of one build: which files it read, so the next synth can tell whether any changed. */
interface CacheIndex {
  readonly inputs: readonly string[];
}

/**
 * Bundles every handler in one esbuild run, or copies the bundles of an identical earlier run from
 * `cacheDir`, and returns each function's bundle folder.
 *
 * Runs before any construct exists because cdktf hashes an asset folder when the asset is constructed.
 * esbuild works in its own process, so the caller can load cdktf meanwhile.
 * Output is deterministic: minified, no source maps, no legal-comment files, no absolute paths, and
 * esbuild writes no timestamps, so an unchanged handler gives byte-identical bundles and hashes, built or
 * cached.
 */
export async function bundleHandlers<Name extends string>(
  request: BundleRequest<Name>,
): Promise<BundleResult<Name>> {
  const names = Object.keys(request.entries) as Name[];
  if (names.length === 0) throw new Error("bundleHandlers: no handler entries to bundle");
  const missing = names.filter(
    (name) => !existsSync(path.resolve(request.projectRoot, request.entries[name])),
  );
  if (missing.length > 0) {
    throw new Error(
      `bundleHandlers: entry files not found under ${request.projectRoot}:\n  - ${missing
        .map((name) => `${name}: ${request.entries[name]}`)
        .join("\n  - ")}`,
    );
  }
  const directories = Object.fromEntries(
    names.map((name) => [name, path.join(request.outdir, name)]),
  ) as Record<Name, string>;
  rmSync(request.outdir, { recursive: true, force: true });

  const cache = request.cacheDir ? new BundleCache(request.cacheDir, request.projectRoot) : undefined;
  const configKey = cache?.configKey(request.entries);
  if (cache && configKey && cache.restore(configKey, names, request.outdir))
    return { directories, cache: "hit" };

  mkdirSync(request.outdir, { recursive: true });
  const result = await build({
    ...BUILD_OPTIONS,
    absWorkingDir: request.projectRoot,
    entryPoints: Object.fromEntries(
      names.map((name) => [`${name}/index`, path.resolve(request.projectRoot, request.entries[name])]),
    ),
    outdir: request.outdir,
    metafile: cache !== undefined,
  });
  if (result.errors.length > 0) {
    throw new Error(
      `bundleHandlers: esbuild failed:\n${result.errors.map((error) => error.text).join("\n")}`,
    );
  }
  if (!cache || !configKey || !result.metafile) return { directories, cache: "off" };
  cache.store(configKey, Object.keys(result.metafile.inputs), request.outdir);
  return { directories, cache: "miss" };
}

/**
 * Bundles kept by the content of what made them. An entry's key has two parts: the configuration (esbuild's
 * version, the build options, the entries, the lockfile, `package.json`, `tsconfig.json`) and the content of
 * every file esbuild read for it (handlers and every package file, from esbuild's metafile). Imports name
 * their file with its extension and packages resolve as the lockfile pins them, so a change that could alter
 * a bundle changes a file in one of the two parts, and the entry is not found.
 */
class BundleCache {
  constructor(
    private readonly folder: string,
    private readonly projectRoot: string,
  ) {}

  configKey(entries: Readonly<Record<string, string>>): string {
    const hash = createHash("sha256").update(
      JSON.stringify({ esbuildVersion, options: BUILD_OPTIONS, entries: Object.entries(entries).sort() }),
    );
    for (const file of BUNDLE_CONFIG_FILES) {
      const absolute = path.join(this.projectRoot, file);
      hash.update(`\0${file}\0`);
      if (existsSync(absolute)) hash.update(readFileSync(absolute));
    }
    return hash.digest("hex").slice(0, 32);
  }

  /** Copies the cached bundles into `outdir` when every input is as it was; false on any doubt. */
  restore(configKey: string, names: readonly string[], outdir: string): boolean {
    try {
      const index = JSON.parse(readFileSync(this.indexFile(configKey), "utf8")) as CacheIndex;
      const entry = this.entryFolder(configKey, index.inputs);
      if (!names.every((name) => existsSync(path.join(entry, name, BUNDLE_FILE)))) return false;
      for (const name of names) cpSync(path.join(entry, name), path.join(outdir, name), { recursive: true });
      const now = new Date();
      utimesSync(entry, now, now);
      return true;
    } catch {
      // No index, an input deleted since, a half-deleted entry: build instead.
      rmSync(outdir, { recursive: true, force: true });
      return false;
    }
  }

  /**
   * Keeps a copy of the bundles just built. A failure here loses only the cache entry: the bundles are
   * already in place, and the next synth builds again.
   */
  store(configKey: string, inputs: readonly string[], outdir: string): void {
    const sorted = [...inputs].sort();
    let staging: string | undefined;
    try {
      const entry = this.entryFolder(configKey, sorted);
      // Written beside the entry and renamed into place, so a reader never sees half an entry; a concurrent
      // synth that stored the same entry first wins the rename, and this copy is dropped.
      staging = `${entry}.${process.pid}.tmp`;
      mkdirSync(this.folder, { recursive: true });
      cpSync(outdir, staging, { recursive: true });
      if (!existsSync(entry)) renameSync(staging, entry);
      const index: CacheIndex = { inputs: sorted };
      const indexStaging = `${this.indexFile(configKey)}.${process.pid}.tmp`;
      writeFileSync(indexStaging, JSON.stringify(index));
      renameSync(indexStaging, this.indexFile(configKey));
      this.prune();
    } catch {
      // Deliberately quiet: see above.
    } finally {
      if (staging) rmSync(staging, { recursive: true, force: true });
    }
  }

  private indexFile(configKey: string): string {
    return path.join(this.folder, `${configKey}.inputs.json`);
  }

  /** The entry of these inputs as they are now; reading a deleted input throws, which is a miss. */
  private entryFolder(configKey: string, inputs: readonly string[]): string {
    const hash = createHash("sha256");
    for (const input of inputs) {
      const content = readFileSync(path.resolve(this.projectRoot, input));
      hash.update(`${input}\0${content.length}\0`).update(content);
    }
    return path.join(this.folder, `${configKey}-${hash.digest("hex").slice(0, 32)}`);
  }

  /** Keeps the most recently used entries and indexes. */
  private prune(): void {
    const newestFirst = (names: string[]) =>
      names
        .map((name) => path.join(this.folder, name))
        .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
    const names = readdirSync(this.folder).filter((name) => !name.endsWith(".tmp"));
    const entries = newestFirst(names.filter((name) => !name.endsWith(".inputs.json")));
    const indexes = newestFirst(names.filter((name) => name.endsWith(".inputs.json")));
    for (const stale of [...entries.slice(CACHE_ENTRIES_KEPT), ...indexes.slice(CACHE_ENTRIES_KEPT)])
      rmSync(stale, { recursive: true, force: true });
  }
}
