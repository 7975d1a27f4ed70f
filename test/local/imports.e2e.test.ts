import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import {
  outcomeOf,
  type RunningService,
  request,
  startLocalService,
  waitFor,
} from "../../local/service-client.ts";

interface Grant {
  uploadUrl: string;
  headers: Record<string, string>;
  key: string;
  resultUrl: string;
}

interface ImportResult {
  rows: Array<{ line: number; status: string; requestId?: string; reason?: string }>;
  totals: { rows: number; queued: number; refused: number };
  status: string;
}

/** The result of an import, once the importer has written it. */
const resultAt = (url: string) =>
  waitFor(
    async () => {
      const response = await fetch(url);
      return response.status === 200 ? ((await response.json()) as ImportResult) : undefined;
    },
    30_000,
    `the result at ${url}`,
  );

describe("npm run local: bulk import", () => {
  let service: RunningService;
  beforeAll(async () => {
    service = await startLocalService();
  }, 90_000);
  afterAll(async () => {
    await service?.stop();
  });

  it("imports a file put through POST /imports' URL: rows become items of the caller, each outcome pushed", async () => {
    const file = [
      '{"name":"Imported lamp"}',
      '{"name":""}',
      '{"name":"Imported chair","description":"oak"}',
    ].join("\n");
    const granted = await request(service, "POST", "/imports", {
      name: "e2e.jsonl",
      size: Buffer.byteLength(file),
    });
    expect(granted.status).toBe(200);
    const grant = granted.json as unknown as Grant;
    expect(grant.key).toMatch(/^imports\/[\w-]+\/e2e\.jsonl$/);

    const put = await fetch(grant.uploadUrl, { method: "PUT", body: file, headers: grant.headers });
    expect(put.status).toBe(200);

    const result = await resultAt(grant.resultUrl);
    expect(result.totals).toEqual({ rows: 3, queued: 2, refused: 1 });
    const queued = result.rows.filter((row) => row.status === "queued");
    const outcomes = await Promise.all(queued.map((row) => outcomeOf(service, String(row.requestId))));
    expect(outcomes.map((outcome) => (outcome.result as { name: string }).name).sort()).toEqual([
      "Imported chair",
      "Imported lamp",
    ]);
  });

  it("refuses POST /imports without a token, and names a bad field", async () => {
    const anonymous = await request(
      service,
      "POST",
      "/imports",
      { name: "x.csv", size: 3 },
      { authorization: "" },
    );
    expect(anonymous.status).toBe(401);
    const bad = await request(service, "POST", "/imports", { name: "x.xlsx", size: 3 });
    expect(bad).toMatchObject({ status: 400, json: { error: "name: must end in .jsonl or .csv" } });
    const unknownField = await request(service, "POST", "/imports", {
      name: "x.csv",
      size: 3,
      owner: "someone",
    });
    expect(unknownField.status).toBe(400);
  });

  const awsCli = process.env.AWS_CLI ?? "/usr/bin/aws";
  it.skipIf(!existsSync(awsCli))(
    "imports a file an operator copies into the bucket with the AWS CLI",
    async () => {
      const folder = mkdtempSync(path.join(tmpdir(), "imports-e2e-"));
      try {
        const file = path.join(folder, "cli.csv");
        writeFileSync(file, 'name,description\n"Copied, with a comma",by the CLI\n');
        const endpoints = (await (await fetch(`${service.restUrl}/_local/endpoints`)).json()) as {
          s3: string;
        };
        const owner = "0f6b3c1e-1111-4222-8333-444455556666";
        const bucket = "crud-dev-imports-111111111111";
        await promisify(execFile)(
          awsCli,
          ["--endpoint-url", endpoints.s3, "s3", "cp", file, `s3://${bucket}/imports/${owner}/cli.csv`],
          {
            env: {
              ...process.env,
              AWS_ACCESS_KEY_ID: "local",
              AWS_SECRET_ACCESS_KEY: "local",
              AWS_DEFAULT_REGION: "eu-west-1",
            },
          },
        );
        const result = await resultAt(`${endpoints.s3}/${bucket}/results/${owner}/cli.csv.result.json`);
        expect(result.totals).toEqual({ rows: 1, queued: 1, refused: 0 });
      } finally {
        rmSync(folder, { recursive: true, force: true });
      }
    },
  );
});
