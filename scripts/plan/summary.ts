/** The parts of `terraform show -json <plan>` a reviewer needs. */
export interface PlanJson {
  resource_changes?: Array<{ address: string; type: string; change: { actions: string[] } }>;
}

export type ChangeKind = "create" | "update" | "delete" | "replace";

export interface PlanSummary {
  readonly environment: string;
  readonly mode: "offline" | "live";
  readonly counts: Record<ChangeKind, number>;
  readonly byType: ReadonlyArray<{ type: string } & Record<ChangeKind, number>>;
  /** Changes to permissions, keys and resource policies: what a security reviewer must read. */
  readonly securityRelevant: ReadonlyArray<{ address: string; kind: ChangeKind }>;
  /** Deletions or replacements of resources that hold data or history. */
  readonly destructive: ReadonlyArray<{ address: string; kind: ChangeKind }>;
}

/**
 * Who may do what: roles, keys, resource policies, WAF, and identity (the user pool and its clients, the
 * authorizers, the methods that name them and their scopes, the webhook connections that hold credentials).
 */
const SECURITY_RELEVANT = new RegExp(
  [
    "^(aws_iam_|aws_kms_|aws_wafv2_|aws_cognito_)",
    "^(aws_lambda_permission|aws_api_gateway_account|aws_api_gateway_authorizer|aws_apigatewayv2_authorizer)$",
    "^(aws_api_gateway_method|aws_apigatewayv2_route)$",
    "^(aws_cloudwatch_event_connection|aws_cloudwatch_event_api_destination)$",
    "_policy$",
  ].join("|"),
);
/**
 * Resources whose loss loses data or history. A replaced user pool gives every user a new `sub`, and items,
 * outcomes and sockets are owned by `sub`: that is data loss too.
 */
const STATEFUL = new Set([
  "aws_dynamodb_table",
  "aws_kms_key",
  "aws_sqs_queue",
  "aws_cloudwatch_log_group",
  "aws_cognito_user_pool",
  "aws_cloudwatch_event_archive",
  "aws_s3_bucket",
]);

export function changeKind(actions: readonly string[]): ChangeKind | undefined {
  if (actions.includes("delete") && actions.includes("create")) return "replace";
  if (actions.includes("create")) return "create";
  if (actions.includes("delete")) return "delete";
  if (actions.includes("update")) return "update";
  return undefined;
}

export function summarizePlan(plan: PlanJson, environment: string, mode: PlanSummary["mode"]): PlanSummary {
  const counts: Record<ChangeKind, number> = { create: 0, update: 0, delete: 0, replace: 0 };
  const byType = new Map<string, Record<ChangeKind, number>>();
  const securityRelevant: Array<{ address: string; kind: ChangeKind }> = [];
  const destructive: Array<{ address: string; kind: ChangeKind }> = [];
  for (const change of plan.resource_changes ?? []) {
    const kind = changeKind(change.change.actions);
    if (!kind) continue;
    counts[kind] += 1;
    const row = byType.get(change.type) ?? { create: 0, update: 0, delete: 0, replace: 0 };
    row[kind] += 1;
    byType.set(change.type, row);
    if (SECURITY_RELEVANT.test(change.type)) securityRelevant.push({ address: change.address, kind });
    if (STATEFUL.has(change.type) && (kind === "delete" || kind === "replace"))
      destructive.push({ address: change.address, kind });
  }
  return {
    environment,
    mode,
    counts,
    byType: [...byType].sort(([a], [b]) => a.localeCompare(b)).map(([type, row]) => ({ type, ...row })),
    securityRelevant,
    destructive,
  };
}

/** Terraform's own summary line, `Plan: N to add, N to change, N to destroy.` (a replace counts as both). */
export function planLine(summary: PlanSummary): string {
  const { create, update, delete: destroy, replace } = summary.counts;
  return `Plan: ${create + replace} to add, ${update} to change, ${destroy + replace} to destroy.`;
}

export function renderText(summary: PlanSummary): string {
  const lines = [`${summary.environment} (${summary.mode} plan): ${planLine(summary)}`];
  for (const { address, kind } of summary.destructive)
    lines.push(`  DANGER ${kind} ${address}: holds data or history`);
  if (summary.securityRelevant.length > 0) {
    lines.push(`  security-relevant changes: ${summary.securityRelevant.length}`);
    for (const { address, kind } of summary.securityRelevant) lines.push(`    ${kind} ${address}`);
  }
  const width = Math.max(...summary.byType.map((row) => row.type.length), 4);
  lines.push(`  ${"type".padEnd(width)}  add  change  destroy  replace`);
  for (const row of summary.byType) {
    lines.push(
      `  ${row.type.padEnd(width)}  ${String(row.create).padStart(3)}  ${String(row.update).padStart(6)}  ${String(row.delete).padStart(7)}  ${String(row.replace).padStart(7)}`,
    );
  }
  return lines.join("\n");
}

/** The PR comment. The first line is a marker the workflow finds to update the comment in place. */
export function renderMarkdown(summary: PlanSummary): string {
  const lines = [
    `<!-- terraform-plan:${summary.environment} -->`,
    `### \`${summary.environment}\`: ${planLine(summary)}`,
    "",
    summary.mode === "offline"
      ? "_Offline plan: mock credentials, no state; every resource shows as new._\n"
      : "",
  ];
  if (summary.destructive.length > 0) {
    lines.push("> [!CAUTION]", "> These changes delete or replace resources that hold data or history:");
    for (const { address, kind } of summary.destructive) lines.push(`> - **${kind}** \`${address}\``);
    lines.push("");
  }
  if (summary.securityRelevant.length > 0) {
    lines.push(
      `<details><summary>Security-relevant changes (${summary.securityRelevant.length}): IAM, KMS, resource policies, permissions</summary>`,
      "",
    );
    for (const { address, kind } of summary.securityRelevant) lines.push(`- ${kind} \`${address}\``);
    lines.push("", "</details>", "");
  }
  lines.push("| resource type | add | change | destroy | replace |", "|---|---:|---:|---:|---:|");
  for (const row of summary.byType)
    lines.push(`| \`${row.type}\` | ${row.create} | ${row.update} | ${row.delete} | ${row.replace} |`);
  return `${lines.join("\n")}\n`;
}
