import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { inject } from "vitest";
import { ENVIRONMENTS } from "../../environments/index.ts";
import { synthesizeService } from "../../stacks/service-app.ts";

/** Every file under `root`, relative, sorted. */
function filesUnder(root: string, folder = ""): string[] {
  return readdirSync(path.join(root, folder))
    .sort()
    .flatMap((name) => {
      const relative = path.join(folder, name);
      return statSync(path.join(root, relative)).isDirectory() ? filesUnder(root, relative) : [relative];
    });
}

describe("reproducible synthesis", () => {
  it("writes byte-identical stacks, assets and bundles from a second synth in another directory", async () => {
    const first = inject("synthOutdir");
    const second = mkdtempSync(path.join(tmpdir(), "crud-synth-again-"));
    try {
      await synthesizeService({
        projectRoot: process.cwd(),
        outdir: path.join(second, "nested", "out"),
        environments: ENVIRONMENTS,
        // Built afresh, so the comparison proves esbuild's output deterministic and the cache's copy faithful.
        bundleCache: false,
      });
      const secondOut = path.join(second, "nested", "out");
      for (const folder of ["stacks", "bundles"]) {
        const files = filesUnder(path.join(first, folder));
        expect(filesUnder(path.join(secondOut, folder)), folder).toEqual(files);
        expect(files.length).toBeGreaterThan(folder === "stacks" ? 24 : 7);
        for (const file of files) {
          const a = readFileSync(path.join(first, folder, file));
          const b = readFileSync(path.join(secondOut, folder, file));
          expect(a.equals(b), `${folder}/${file}`).toBe(true);
        }
      }
    } finally {
      rmSync(second, { recursive: true, force: true });
    }
  });
});
