import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { inject } from "vitest";

/** `npm run cost`'s program, on the run's synthesized stacks. */
function cost(...args: string[]) {
  const result = spawnSync("node", ["scripts/run-ts.mjs", "cost/cli.ts", ...args], {
    encoding: "utf8",
    env: { ...process.env, CDKTF_OUTDIR: inject("synthOutdir") },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("npm run cost", () => {
  it("prints an environment's breakdown, and writes the JSON and the PR comment's section", () => {
    const folder = mkdtempSync(path.join(tmpdir(), "cost-"));
    try {
      const run = cost(
        "prod",
        "--requests",
        "2_000_000",
        "--json",
        path.join(folder, "prod.json"),
        "--markdown",
        path.join(folder, "prod.md"),
      );
      expect(run.stderr).toBe("");
      expect(run.status).toBe(0);
      expect(run.stdout).toMatch(
        /^prod: \$[\d,]+\.\d{2} a month at 2,000,000 requests \(\$[\d.]+ per million requests:/,
      );
      expect(run.stdout).toMatch(/\n {2}Lambda +\$[\d.]+\n {4}requests/);
      const written = JSON.parse(readFileSync(path.join(folder, "prod.json"), "utf8"));
      expect(written.estimate.requests).toBe(2_000_000);
      expect(readFileSync(path.join(folder, "prod.md"), "utf8")).toContain("<!-- cost-estimate:prod -->");
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it("refuses an unknown environment, a bad request count and an unknown option, naming each", () => {
    expect(cost("qa")).toMatchObject({
      status: 2,
      stderr: expect.stringContaining('no environment "qa"; environments: dev, staging, prod'),
    });
    expect(cost("dev", "--requests", "lots")).toMatchObject({
      status: 2,
      stderr: expect.stringContaining(
        '--requests must be a number of requests a month (0 or more), got "lots"',
      ),
    });
    expect(cost("dev", "--region", "us-east-1")).toMatchObject({
      status: 2,
      stderr: expect.stringContaining("unknown option --region"),
    });
  });

  it("compares with a base checkout synthesized in its own folder", () => {
    const base = mkdtempSync(path.join(tmpdir(), "cost-base-"));
    try {
      symlinkSync(inject("synthOutdir"), path.join(base, "cdktf.out"), "dir");
      const run = cost("staging", "--base", base, "--markdown", path.join(base, "staging.md"));
      expect(run.status).toBe(0);
      expect(readFileSync(path.join(base, "staging.md"), "utf8")).toContain(
        "Unchanged against the base branch",
      );
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });

  it("compares with a base checkout, and says when that checkout was not synthesized", () => {
    const run = cost("dev", "--base", path.join(tmpdir(), "no-such-checkout"));
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(
      "no-such-checkout/cdktf.out/stacks/dev/cdk.tf.json does not exist: synthesize it first (npm run synth)",
    );
  });
});
