import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { inject } from "vitest";
import { folderHash, mirrorOnlyCliConfig, offlineStack } from "../../scripts/plan/offline-stack.ts";
import { planLine, renderMarkdown, renderText, summarizePlan } from "../../scripts/plan/summary.ts";
import { synthesizedStack } from "../support/synthesized.ts";

const PLAN = {
  resource_changes: [
    { address: "aws_sqs_queue.a", type: "aws_sqs_queue", change: { actions: ["create"] } },
    { address: "aws_sqs_queue.b", type: "aws_sqs_queue", change: { actions: ["no-op"] } },
    {
      address: "aws_dynamodb_table.items",
      type: "aws_dynamodb_table",
      change: { actions: ["delete", "create"] },
    },
    { address: "aws_iam_role_policy.fn", type: "aws_iam_role_policy", change: { actions: ["update"] } },
    {
      address: "aws_cloudwatch_log_group.old",
      type: "aws_cloudwatch_log_group",
      change: { actions: ["delete"] },
    },
    { address: "aws_sqs_queue_policy.q", type: "aws_sqs_queue_policy", change: { actions: ["create"] } },
    { address: "data.aws_partition.p", type: "aws_partition", change: { actions: ["read"] } },
  ],
};

describe("plan summary", () => {
  const summary = summarizePlan(PLAN, "prod", "live");

  it("counts changes as Terraform does, a replace on both sides", () => {
    expect(summary.counts).toEqual({ create: 2, update: 1, delete: 1, replace: 1 });
    expect(planLine(summary)).toBe("Plan: 3 to add, 1 to change, 2 to destroy.");
    expect(summary.byType.find((row) => row.type === "aws_sqs_queue")).toEqual({
      type: "aws_sqs_queue",
      create: 1,
      update: 0,
      delete: 0,
      replace: 0,
    });
  });

  it("calls out destroyed or replaced state and every security-relevant change", () => {
    expect(summary.destructive).toEqual([
      { address: "aws_dynamodb_table.items", kind: "replace" },
      { address: "aws_cloudwatch_log_group.old", kind: "delete" },
    ]);
    expect(summary.securityRelevant.map((change) => change.address)).toEqual([
      "aws_iam_role_policy.fn",
      "aws_sqs_queue_policy.q",
    ]);
    expect(renderText(summary)).toMatch(/DANGER replace aws_dynamodb_table\.items/);
  });

  it("calls out identity changes, and a replaced user pool as the data loss it is", () => {
    const change = (type: string, actions: string[]) => ({ address: `${type}.x`, type, change: { actions } });
    const identity = summarizePlan(
      {
        resource_changes: [
          change("aws_cognito_user_pool", ["delete", "create"]),
          change("aws_cognito_user_pool_client", ["update"]),
          change("aws_api_gateway_authorizer", ["update"]),
          change("aws_api_gateway_method", ["update"]),
          change("aws_apigatewayv2_authorizer", ["update"]),
          change("aws_cloudwatch_event_connection", ["delete", "create"]),
          change("aws_cloudwatch_event_archive", ["delete"]),
          change("aws_sqs_queue", ["update"]),
        ],
      },
      "prod",
      "live",
    );
    expect(identity.securityRelevant.map((entry) => entry.address)).toEqual([
      "aws_cognito_user_pool.x",
      "aws_cognito_user_pool_client.x",
      "aws_api_gateway_authorizer.x",
      "aws_api_gateway_method.x",
      "aws_apigatewayv2_authorizer.x",
      "aws_cloudwatch_event_connection.x",
    ]);
    expect(identity.destructive.map((entry) => entry.address)).toEqual([
      "aws_cognito_user_pool.x",
      "aws_cloudwatch_event_archive.x",
    ]);
  });

  it("renders a PR comment with a marker to update it in place", () => {
    const markdown = renderMarkdown(summary);
    expect(markdown.split("\n")[0]).toBe("<!-- terraform-plan:prod -->");
    expect(markdown).toContain("### `prod`: Plan: 3 to add, 1 to change, 2 to destroy.");
    expect(markdown).toContain("> - **replace** `aws_dynamodb_table.items`");
    expect(markdown).toContain("| `aws_iam_role_policy` | 0 | 1 | 0 | 0 |");
  });
});

describe("the offline copy of a stack", () => {
  const stackDir = path.join(inject("synthOutdir"), "stacks", "staging");
  const stack = synthesizedStack("staging");
  const offline = offlineStack(
    stack as unknown as Record<string, unknown>,
    stackDir,
  ) as unknown as typeof stack;

  it("touches no backend, needs no credentials and no archive provider", () => {
    expect(offline.terraform.backend).toEqual({ local: { path: "offline.tfstate" } });
    expect(offline.terraform.required_providers).not.toHaveProperty("archive");
    expect(offline.provider).not.toHaveProperty("archive");
    expect((offline.provider.aws as Array<Record<string, unknown>>)[0]).toMatchObject({
      skip_credentials_validation: true,
      skip_requesting_account_id: true,
      region: "eu-west-1",
    });
    expect(offline.data?.archive_file).toBeUndefined();
    expect(JSON.stringify(offline)).not.toContain("data.archive_file");
  });

  it("stands in for each archive with the zip path and a hash that follows the bundle's content", () => {
    const [archiveId, archive] = Object.entries(stack.data?.archive_file ?? {})[0] as [
      string,
      Record<string, string>,
    ];
    const fn = Object.values(offline.resource.aws_lambda_function ?? {}).find(
      (candidate) =>
        JSON.stringify(stack.resource.aws_lambda_function).includes(archiveId) &&
        candidate.filename === archive.output_path,
    );
    expect(fn?.source_code_hash).toBe(folderHash(path.join(stackDir, archive.source_dir as string)));

    const copy = mkdtempSync(path.join(tmpdir(), "crud-bundle-"));
    try {
      cpSync(path.join(stackDir, archive.source_dir as string), copy, { recursive: true });
      expect(folderHash(copy)).toBe(fn?.source_code_hash);
      writeFileSync(path.join(copy, "index.mjs"), "export const handler = () => 1;");
      expect(folderHash(copy)).not.toBe(fn?.source_code_hash);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });

  it("installs hashicorp/aws only from the mirror", () => {
    expect(mirrorOnlyCliConfig("/mirror")).toContain('path    = "/mirror"');
    expect(mirrorOnlyCliConfig("/mirror")).toContain('exclude = ["registry.terraform.io/hashicorp/aws"]');
  });
});
