import { spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { inject } from "vitest";
import { ENVIRONMENT_NAMES } from "../../environments/index.ts";
import { HANDLER_NAMES } from "../../handlers/catalogue.ts";

const terraform = process.env.TERRAFORM_BINARY ?? "terraform";
const terraformInstalled = spawnSync(terraform, ["version"], { encoding: "utf8" }).status === 0;
if (!terraformInstalled) {
  console.warn(`Skipping terraform validate/plan: "${terraform}" is not installed here (CI installs it).`);
}

function plan(environment: string, outdir: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn("node", ["scripts/run-ts.mjs", "scripts/plan/cli.ts", environment, "--offline"], {
      env: { ...process.env, CDKTF_OUTDIR: outdir },
    });
    let output = "";
    child.stdout.on("data", (chunk) => {
      output += chunk;
    });
    child.stderr.on("data", (chunk) => {
      output += chunk;
    });
    child.on("close", (code) => resolve({ code, output }));
  });
}

describe.skipIf(!terraformInstalled)("terraform validate and plan, offline", () => {
  it("succeed for every environment, planned in parallel", { timeout: 300_000 }, async () => {
    const outdir = inject("synthOutdir");
    const results = await Promise.all(ENVIRONMENT_NAMES.map((environment) => plan(environment, outdir)));

    for (const [index, environment] of ENVIRONMENT_NAMES.entries()) {
      const { code, output } = results[index] as { code: number | null; output: string };
      expect(code, `${environment}:\n${output}`).toBe(0);
      expect(output).toMatch(/terraform validate ok/);
      const markdown = readFileSync(path.join(outdir, "plans", `${environment}.plan.md`), "utf8");
      const planned = /Plan: (\d+) to add, 0 to change, 0 to destroy\./.exec(markdown);
      expect(Number(planned?.[1]), environment).toBeGreaterThan(150);
      const json = JSON.parse(readFileSync(path.join(outdir, "plans", `${environment}.plan.json`), "utf8"));
      const lambdas = json.resource_changes.filter(
        (change: { type: string }) => change.type === "aws_lambda_function",
      );
      expect(lambdas).toHaveLength(HANDLER_NAMES.length);
    }
  });
});
