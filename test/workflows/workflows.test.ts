import { readFileSync } from "node:fs";
import { validateWorkflow } from "@action-validator/core";
import { parse } from "yaml";
import { ENVIRONMENT_NAMES } from "../../environments/index.ts";

const read = (name: string) => readFileSync(`.github/workflows/${name}`, "utf8");

describe.each(["ci.yml", "plan.yml"])("the %s workflow", (name) => {
  it("is valid against GitHub's workflow schema", () => {
    const state = validateWorkflow(read(name));
    expect(state.errors).toEqual([]);
  });
});

describe("what the workflows do", () => {
  it("ci installs and runs the tests through .ci/run, with terraform", () => {
    const ci = parse(read("ci.yml"));
    const steps = ci.jobs.test.steps as Array<{ uses?: string; run?: string }>;
    expect(steps.some((step) => step.run === "bash .ci/run")).toBe(true);
    expect(steps.some((step) => step.uses?.startsWith("hashicorp/setup-terraform@"))).toBe(true);
    expect(ci.permissions).toEqual({ contents: "read" });
  });

  it("plan assumes a role per environment through OIDC, plans each, and keeps one comment up to date", () => {
    const plan = parse(read("plan.yml"));
    expect(Object.keys(plan.on)).toEqual(["pull_request"]);
    // The workflow plans exactly the environments the app synthesizes, and the comment names each of them.
    expect(plan.jobs.plan.strategy.matrix.environment).toEqual(ENVIRONMENT_NAMES);
    expect(plan.jobs.plan.permissions).toEqual({ contents: "read", "id-token": "write" });
    const steps = plan.jobs.plan.steps as Array<{
      uses?: string;
      run?: string;
      with?: Record<string, string>;
    }>;
    const credentials = steps.find((step) => step.uses?.startsWith("aws-actions/configure-aws-credentials@"));
    expect(credentials?.with?.["role-to-assume"]).toMatch(/^\$\{\{ vars\[/);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub Actions expression, not a JS template
    expect(steps.some((step) => step.run === "npm run plan -- ${{ matrix.environment }}")).toBe(true);
    const script = (plan.jobs.comment.steps as Array<{ with?: { script?: string } }>)
      .map((step) => step.with?.script ?? "")
      .join("\n");
    const commented = /const sections = (\[[^\]]*\])/.exec(script)?.[1];
    expect(JSON.parse(commented ?? "null")).toEqual(ENVIRONMENT_NAMES);
    expect(script).toContain("updateComment");
    expect(script).toContain("<!-- terraform-plan -->");
    expect(plan.jobs.comment.permissions).toEqual({ "pull-requests": "write" });
  });

  it("estimates every environment's cost against the base branch and puts it in the plan comment", () => {
    const plan = parse(read("plan.yml"));
    const cost = plan.jobs.cost as {
      permissions: Record<string, string>;
      steps: Array<{
        uses?: string;
        run?: string;
        with?: Record<string, string>;
        "working-directory"?: string;
      }>;
    };
    expect(cost.permissions).toEqual({ contents: "read" });
    const base = cost.steps.find((step) => step.with?.path === ".build/base");
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub Actions expression, not a JS template
    expect(base?.with?.ref).toBe("${{ github.event.pull_request.base.sha }}");
    expect(cost.steps.find((step) => step["working-directory"] === ".build/base")?.run).toContain(
      "npm run --silent synth",
    );
    const estimate =
      cost.steps.map((step) => step.run ?? "").find((run) => run.includes("cost/cli.ts")) ?? "";
    const looped = /for environment in ([\w -]+); do/.exec(estimate)?.[1]?.trim().split(/\s+/);
    expect(looped).toEqual(ENVIRONMENT_NAMES);
    expect(estimate).toContain("--base .build/base");
    expect(estimate).toContain('--markdown "costs/$environment.cost.md"');
    expect(plan.jobs.comment.needs).toEqual(["plan", "cost"]);
    const script = (plan.jobs.comment.steps as Array<{ with?: { script?: string } }>)
      .map((step) => step.with?.script ?? "")
      .join("\n");
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the comment script's own template literal
    expect(script).toContain("costs/${environment}.cost.md");
  });
});
