import { randomUUID } from "node:crypto";
import { createReadStream, createWriteStream, type WriteStream } from "node:fs";
import { rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";

/** What became of one row, as the result file lists it. */
export type RowResult =
  | { readonly line: number; readonly status: "queued"; readonly requestId: string }
  | { readonly line: number; readonly status: "refused"; readonly reason: string };

export interface ImportTotals {
  rows: number;
  queued: number;
  refused: number;
}

/**
 * `completed`: every row was read. `rejected`: the file could not be imported at all (wrong type, too large, no
 * header). `stopped`: a problem with the file part-way (bytes that are not UTF-8); rows before it stand.
 */
export type ImportStatus = "completed" | "rejected" | "stopped";

/**
 * The result file, `results/<owner>/<name>.result.json`:
 * `{"file","versionId","rows":[{"line","status":"queued","requestId"} | {"line","status":"refused","reason"}, ...],
 *   "totals":{"rows","queued","refused"},"status","problem"?,"completedAt"}`.
 * Every queued row is listed, and the first `REFUSALS_LISTED` refused ones (the totals count them all, and
 * `refusalsNotListed` says how many more there were): a file of a million bad one-byte rows must not become a
 * result larger than the function's temporary storage. The result is written there as rows are settled and
 * uploaded from there, so memory holds none of it; a failed write fails the invocation, never the file silently.
 */
export const REFUSALS_LISTED = 1000;

export class ResultWriter {
  private readonly file = path.join(tmpdir(), `import-result-${randomUUID()}.json`);
  private readonly output: WriteStream;
  private rows = 0;
  private refusalsNotListed = 0;
  private failure: Error | undefined;
  readonly totals: ImportTotals = { rows: 0, queued: 0, refused: 0 };

  constructor(source: { key: string; versionId: string }) {
    this.output = createWriteStream(this.file);
    this.output.on("error", (error) => {
      this.failure = error;
    });
    this.output.write(
      `{"file":${JSON.stringify(source.key)},"versionId":${JSON.stringify(source.versionId)},"rows":[`,
    );
  }

  /** Records rows; waits when the disk falls behind, so the rows never pile up in memory. */
  async add(results: readonly RowResult[]): Promise<void> {
    if (this.failure) throw this.failure;
    let text = "";
    for (const result of results) {
      this.totals.rows += 1;
      if (result.status === "queued") this.totals.queued += 1;
      else this.totals.refused += 1;
      if (result.status === "refused" && this.totals.refused > REFUSALS_LISTED) {
        this.refusalsNotListed += 1;
        continue;
      }
      text += `${this.rows === 0 ? "\n" : ",\n"}${JSON.stringify(result)}`;
      this.rows += 1;
    }
    if (text !== "" && !this.output.write(text))
      await new Promise<void>((resolve, reject) => {
        this.output.once("drain", () => resolve());
        this.output.once("error", reject);
      });
  }

  /** Closes the file and puts it at `key` in `bucket`; the temporary file is removed either way. */
  async publish(
    s3: S3Client,
    bucket: string,
    key: string,
    status: ImportStatus,
    problem?: string,
  ): Promise<void> {
    if (this.failure) throw this.failure;
    const ending = {
      totals: this.totals,
      ...(this.refusalsNotListed > 0 ? { refusalsNotListed: this.refusalsNotListed } : {}),
      status,
      ...(problem ? { problem } : {}),
      completedAt: new Date().toISOString(),
    };
    const closing = JSON.stringify(ending).slice(1);
    await new Promise<void>((resolve, reject) =>
      this.output.end(`\n],${closing}\n`, () => resolve()).once("error", reject),
    );
    try {
      const { size } = await stat(this.file);
      await s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: createReadStream(this.file),
          ContentLength: size,
          ContentType: "application/json",
        }),
      );
    } finally {
      await rm(this.file, { force: true });
    }
  }

  /** Drops the file without publishing it (the import failed and will be retried). */
  async discard(): Promise<void> {
    await new Promise<void>((resolve) => this.output.end(() => resolve()));
    await rm(this.file, { force: true });
  }
}
