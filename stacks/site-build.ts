import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";

/** The site's entry page: never fingerprinted, never cached, so a deploy is seen on the next load. */
export const SITE_INDEX = "index.html";
/** Generated per environment from the stack's own values; never cached either. */
export const SITE_CONFIG = "config.json";
export const IMMUTABLE_CACHE_CONTROL = "public, max-age=31536000, immutable";
export const REVALIDATE_CACHE_CONTROL = "no-cache";

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".txt": "text/plain; charset=utf-8",
};

export interface SiteFile {
  /** The object key: `app.3f9a1c2b7d.js` for a fingerprinted asset, `index.html` for the page. */
  readonly key: string;
  /** The source file in the site folder, e.g. `app.js`. */
  readonly source: string;
  readonly contentType: string;
  readonly cacheControl: string;
  /** Hex MD5 of the content as built: what S3 compares (`source_hash`), so an unchanged file plans no change. */
  readonly md5: string;
}

export interface SiteBuild {
  /** Absolute folder holding the built files under their keys. */
  readonly directory: string;
  readonly files: readonly SiteFile[];
}

const md5 = (content: Buffer | string) => createHash("md5").update(content).digest("hex");
const REFERENCE =
  /(\bfrom\s*["']|\bimport\s*\(\s*["']|\b(?:src|href)=["'])(?:\.\/)?([\w.-]+\.(?:js|css))(["'])/g;

function contentTypeOf(file: string): string {
  const type = CONTENT_TYPES[path.extname(file)];
  if (!type)
    throw new Error(`The site has ${file}, whose content type is not known: add it to CONTENT_TYPES`);
  return type;
}

/** The sibling files `content` refers to (module imports, script and stylesheet links). */
function referencesOf(content: string): string[] {
  return [...content.matchAll(REFERENCE)].map((match) => match[2] as string);
}

/**
 * Builds the site in `sourceDir` into `outdir`: each asset renamed with a hash of its content (after its own
 * references were rewritten, so a changed dependency changes its importers' names as well), and the index page
 * rewritten to name them. A changed file therefore changes its own object and those that refer to it, nothing
 * else. Deterministic: the same sources give the same bytes and names.
 */
export function buildSite(sourceDir: string, outdir: string): SiteBuild {
  const sources = readdirSync(sourceDir)
    .filter((name) => !name.startsWith("."))
    .sort();
  if (!sources.includes(SITE_INDEX)) throw new Error(`The site in ${sourceDir} has no ${SITE_INDEX}`);
  if (sources.includes(SITE_CONFIG))
    throw new Error(`The site in ${sourceDir} must not hold ${SITE_CONFIG}: each stack generates its own`);
  const texts = new Map(sources.map((name) => [name, readFileSync(path.join(sourceDir, name), "utf8")]));
  for (const [name, text] of texts)
    for (const reference of referencesOf(text))
      if (!texts.has(reference))
        throw new Error(`The site refers to ${reference}, which it does not have (in ${name})`);
  const keys = new Map<string, string>();
  const rewrite = (content: string) =>
    content.replace(REFERENCE, (_whole, before: string, name: string, after: string) => {
      return `${before}./${keys.get(name)}${after}`;
    });
  const built = new Map<string, string>();
  let pending = sources.filter((name) => name !== SITE_INDEX);
  while (pending.length > 0) {
    const ready = pending.filter((name) =>
      referencesOf(texts.get(name) ?? "").every((reference) => keys.has(reference)),
    );
    if (ready.length === 0)
      throw new Error(`The site's files refer to each other in a cycle: ${pending.join(", ")}`);
    for (const name of ready) {
      const content = rewrite(texts.get(name) ?? "");
      const extension = path.extname(name);
      keys.set(name, `${path.basename(name, extension)}.${md5(content).slice(0, 10)}${extension}`);
      built.set(name, content);
    }
    pending = pending.filter((name) => !ready.includes(name));
  }
  built.set(SITE_INDEX, rewrite(texts.get(SITE_INDEX) ?? ""));
  keys.set(SITE_INDEX, SITE_INDEX);

  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  const files = [...built].map(([source, content]): SiteFile => {
    const key = keys.get(source) ?? source;
    writeFileSync(path.join(outdir, key), content);
    return {
      key,
      source,
      contentType: contentTypeOf(source),
      cacheControl: source === SITE_INDEX ? REVALIDATE_CACHE_CONTROL : IMMUTABLE_CACHE_CONTROL,
      md5: md5(content),
    };
  });
  return { directory: outdir, files: files.sort((a, b) => a.source.localeCompare(b.source)) };
}
