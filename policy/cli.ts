import { readFileSync } from "node:fs";
import path from "node:path";
import { ENVIRONMENTS } from "../environments/index.ts";
import type { StackJson } from "../synthesized/stack-json.ts";
import { evaluateStack, RULES } from "./index.ts";

// Reads the stacks `npm run synth` wrote and prints one table: every rule against every environment.
const outdir = path.resolve(process.env.CDKTF_OUTDIR ?? "cdktf.out");
const results = ENVIRONMENTS.map((config) => {
  const file = path.join(outdir, "stacks", config.name, "cdk.tf.json");
  const stack = JSON.parse(readFileSync(file, "utf8")) as StackJson;
  return { config, evaluation: evaluateStack(stack, config) };
});

const cell = (rule: string, index: number) => {
  const { findings, suppressed } = results[index]?.evaluation ?? { findings: [], suppressed: [] };
  const failed = findings.filter((found) => found.rule === rule).length;
  const waived = suppressed.filter((found) => found.rule === rule).length;
  return failed > 0 ? `FAIL ${failed}` : waived > 0 ? `ok (${waived} suppressed)` : "ok";
};
const header = ["rule", "title", "mirrors", ...results.map((result) => result.config.name)];
const rows = RULES.map((rule) => [
  rule.id,
  rule.title,
  rule.mirrors ?? "-",
  ...results.map((_, index) => cell(rule.id, index)),
]);
const widths = header.map((title, column) =>
  Math.max(title.length, ...rows.map((row) => (row[column] ?? "").length)),
);
const line = (cells: string[]) => cells.map((text, column) => text.padEnd(widths[column] ?? 0)).join("  ");
console.log(line(header));
console.log(widths.map((width) => "-".repeat(width)).join("  "));
for (const row of rows) console.log(line(row));

let failures = 0;
for (const { config, evaluation } of results) {
  for (const found of evaluation.findings) {
    failures += 1;
    console.log(`\n${config.name}: ${found.rule} ${found.resource}: ${found.message}`);
  }
  for (const found of evaluation.suppressed)
    console.log(`\n${config.name}: suppressed ${found.rule} ${found.resource}: ${found.reason}`);
}
console.log(
  `\n${RULES.length} rules x ${results.length} stacks: ${failures} finding${failures === 1 ? "" : "s"}`,
);
process.exitCode = failures > 0 ? 1 : 0;
