import {
  cpSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { BUNDLE_FILE, bundleHandlers } from "../../stacks/bundling.ts";

const greetingModule = (word: string) => `export const greeting = (name: string) => "${word} " + name;\n`;

/** A project of its own: one handler importing a local module and a package, the repository's node_modules. */
function smallProject(): string {
  const root = mkdtempSync(path.join(tmpdir(), "bundle-cache-"));
  symlinkSync(path.resolve("node_modules"), path.join(root, "node_modules"), "dir");
  cpSync("package-lock.json", path.join(root, "package-lock.json"));
  writeFileSync(path.join(root, "greeting.ts"), greetingModule("hello"));
  writeFileSync(
    path.join(root, "handler.ts"),
    [
      'import { z } from "zod/mini";',
      'import { greeting } from "./greeting.ts";',
      "const name = z.string();",
      "export const handler = async (event: unknown) => greeting(name.parse(event));",
      "",
    ].join("\n"),
  );
  return root;
}

describe("the bundle cache", () => {
  let root: string;
  let run = 0;
  const cacheDir = () => path.join(root, "cache");
  const bundle = async (cache: string | null = cacheDir()) => {
    run += 1;
    const outdir = path.join(root, `out-${run}`);
    const result = await bundleHandlers({
      projectRoot: root,
      entries: { hello: "handler.ts" },
      outdir,
      cacheDir: cache ?? undefined,
    });
    return {
      cache: result.cache,
      code: readFileSync(path.join(result.directories.hello, BUNDLE_FILE), "utf8"),
    };
  };

  beforeEach(() => {
    root = smallProject();
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it("builds once, then serves byte-identical bundles without running esbuild", async () => {
    const first = await bundle();
    const second = await bundle();
    const uncached = await bundle(null);
    expect([first.cache, second.cache, uncached.cache]).toEqual(["miss", "hit", "off"]);
    expect(second.code).toBe(first.code);
    expect(uncached.code).toBe(first.code);
    expect(first.code).toContain("hello ");
  });

  it("rebuilds when a source the handler imports changes, and serves the earlier bundle again when it is reverted", async () => {
    const original = await bundle();
    writeFileSync(path.join(root, "greeting.ts"), greetingModule("bonjour"));
    const changed = await bundle();
    expect(changed.cache).toBe("miss");
    expect(changed.code).toContain("bonjour ");
    expect(changed.code).not.toContain("hello ");
    writeFileSync(path.join(root, "greeting.ts"), greetingModule("hello"));
    const reverted = await bundle();
    expect(reverted).toEqual({ cache: "hit", code: original.code });
  });

  it("rebuilds when the lockfile changes (a dependency's version)", async () => {
    await bundle();
    writeFileSync(
      path.join(root, "package-lock.json"),
      `${readFileSync(path.join(root, "package-lock.json"), "utf8")}\n`,
    );
    expect((await bundle()).cache).toBe("miss");
  });

  it("rebuilds when a file the last build read is gone, instead of failing", async () => {
    await bundle();
    unlinkSync(path.join(root, "greeting.ts"));
    writeFileSync(path.join(root, "handler.ts"), "export const handler = async () => 'standalone';\n");
    const rebuilt = await bundle();
    expect(rebuilt.cache).toBe("miss");
    expect(rebuilt.code).toContain("standalone");
  });

  it("is safe to delete, whole or in part", async () => {
    const first = await bundle();
    rmSync(cacheDir(), { recursive: true });
    expect(await bundle()).toEqual({ cache: "miss", code: first.code });
    const [entry] = readdirSync(cacheDir()).filter((name) => !name.endsWith(".json"));
    unlinkSync(path.join(cacheDir(), String(entry), "hello", BUNDLE_FILE));
    expect(await bundle()).toEqual({ cache: "miss", code: first.code });
  });
});
