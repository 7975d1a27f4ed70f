import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ENVIRONMENT_NAMES } from "../../environments/index.ts";
import { mirrorOnlyCliConfig, offlineStack } from "./offline-stack.ts";
import { redactPlan } from "./redact.ts";
import { type PlanJson, renderMarkdown, renderText, summarizePlan } from "./summary.ts";

// `npm run plan -- <env> [--offline]`: terraform init, validate and plan on a synthesized stack, then a
// summary for reviewers (printed) and for a PR comment (cdktf.out/plans/<env>.plan.md, with the plan JSON).
// With AWS credentials it plans for real against the stack's backend; without them (or with --offline) it
// plans a rewritten copy: mock credentials, a local backend, the aws provider from a filesystem mirror.

const CREDENTIAL_VARIABLES = [
  "AWS_ACCESS_KEY_ID",
  "AWS_PROFILE",
  "AWS_WEB_IDENTITY_TOKEN_FILE",
  "AWS_CONTAINER_CREDENTIALS_FULL_URI",
  "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
];

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

const [environment, ...flags] = process.argv.slice(2);
if (!environment || !(ENVIRONMENT_NAMES as readonly string[]).includes(environment)) {
  fail(`usage: npm run plan -- <${ENVIRONMENT_NAMES.join("|")}> [--offline]`);
}
const unknownFlags = flags.filter((flag) => flag !== "--offline");
if (unknownFlags.length > 0) fail(`unknown option ${unknownFlags.join(" ")}; the only option is --offline`);

const outdir = path.resolve(process.env.CDKTF_OUTDIR ?? "cdktf.out");
const stackDir = path.join(outdir, "stacks", environment);
const stackFile = path.join(stackDir, "cdk.tf.json");
if (!existsSync(stackFile)) fail(`${stackFile} does not exist: run npm run synth first`);
const terraform = process.env.TERRAFORM_BINARY ?? "terraform";
const offline = flags.includes("--offline") || !CREDENTIAL_VARIABLES.some((name) => process.env[name]);

const env: NodeJS.ProcessEnv = { ...process.env, TF_IN_AUTOMATION: "1", CHECKPOINT_DISABLE: "1" };
let workdir = stackDir;
if (offline) {
  const stack = JSON.parse(readFileSync(stackFile, "utf8"));
  const providerVersion = String(stack.terraform?.required_providers?.aws?.version ?? "");
  // TF_PROVIDER_MIRROR names a filesystem mirror; "none" means the registry (machines with network).
  const setting = process.env.TF_PROVIDER_MIRROR;
  const mirror = setting === "none" ? undefined : (setting ?? discoverMirror(providerVersion));
  mkdirSync(path.resolve(".build"), { recursive: true });
  workdir = mkdtempSync(path.resolve(".build", `plan-${environment}-`));
  cpSync(stackDir, workdir, {
    recursive: true,
    filter: (source) => !/[\\/](\.terraform|terraform\.[^/]*tfstate[^/]*)$/.test(source),
  });
  writeFileSync(path.join(workdir, "cdk.tf.json"), JSON.stringify(offlineStack(stack, stackDir), null, 2));
  if (mirror) {
    writeFileSync(path.join(workdir, "offline.tfrc"), mirrorOnlyCliConfig(mirror));
    env.TF_CLI_CONFIG_FILE = path.join(workdir, "offline.tfrc");
  }
  // Each plan has its own data folder and no shared plugin cache, so parallel plans cannot race.
  Object.assign(env, { TF_DATA_DIR: path.join(workdir, ".terraform"), AWS_EC2_METADATA_DISABLED: "true" });
  delete env.TF_PLUGIN_CACHE_DIR;
  for (const name of CREDENTIAL_VARIABLES) delete env[name];
  console.log(
    `${environment}: offline plan in ${path.relative(process.cwd(), workdir)} (hashicorp/aws from ${mirror ?? "the registry"})`,
  );
} else {
  console.log(
    `${environment}: live plan in ${path.relative(process.cwd(), workdir)} with the stack's backend`,
  );
}

function discoverMirror(version: string): string | undefined {
  const script = path.resolve("scripts", "find-provider-mirror.sh");
  const found = spawnSync("bash", [script, version], { encoding: "utf8" });
  const mirror = found.stdout.trim();
  if (found.status !== 0 || !mirror) {
    console.log(
      `No filesystem mirror of hashicorp/aws ${version} here: installing it from the registry (TF_PROVIDER_MIRROR=none skips this search)`,
    );
    return undefined;
  }
  console.log(`TF_PROVIDER_MIRROR is not set; found a mirror at ${mirror} (set it to skip the search)`);
  return mirror;
}

function run(step: string, args: string[]): string {
  const started = performance.now();
  const result = spawnSync(terraform, args, {
    cwd: workdir,
    env,
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
  });
  if (result.error) fail(`${step}: cannot run ${terraform}: ${result.error.message}`);
  if (result.status !== 0) fail(`${step} failed:\n${result.stdout}\n${result.stderr}`);
  console.log(`  ${step} ok (${((performance.now() - started) / 1000).toFixed(1)} s)`);
  return result.stdout;
}

run("terraform init", ["init", "-input=false", "-no-color"]);
run("terraform validate", ["validate", "-no-color"]);
run("terraform plan", [
  "plan",
  "-input=false",
  "-no-color",
  "-out=tfplan",
  ...(offline ? ["-refresh=false", "-lock=false"] : []),
]);
const plan = JSON.parse(run("terraform show", ["show", "-json", "tfplan"])) as PlanJson &
  Record<string, unknown>;

const summary = summarizePlan(plan, environment, offline ? "offline" : "live");
const plansDir = path.join(outdir, "plans");
mkdirSync(plansDir, { recursive: true });
// Published as a workflow artifact: only what a reviewer needs, sensitive values replaced.
writeFileSync(path.join(plansDir, `${environment}.plan.json`), JSON.stringify(redactPlan(plan)));
writeFileSync(path.join(plansDir, `${environment}.plan.md`), renderMarkdown(summary));
console.log(renderText(summary));
console.log(
  `Wrote ${path.relative(process.cwd(), path.join(plansDir, `${environment}.plan.md`))} and the plan JSON beside it.`,
);
if (offline) rmSync(workdir, { recursive: true, force: true });
