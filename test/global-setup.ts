import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { ENVIRONMENTS } from "../environments/index.ts";
import { synthesizeService } from "../stacks/service-app.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** Folder holding the synthesized `stacks/<env>/cdk.tf.json` and `bundles/`, produced once per run. */
    synthOutdir: string;
  }
}

/** Synthesizes the real app once, exactly as `npm run synth` does, for every test file to read. */
export default async function setup(project: TestProject) {
  const outdir = mkdtempSync(path.join(tmpdir(), "crud-synth-"));
  await synthesizeService({ projectRoot: process.cwd(), outdir, environments: ENVIRONMENTS });
  project.provide("synthOutdir", outdir);
  return () => rmSync(outdir, { recursive: true, force: true });
}
