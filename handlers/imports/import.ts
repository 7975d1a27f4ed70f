import type { Readable } from "node:stream";
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import type { Context, S3Event, S3EventRecord } from "aws-lambda";
import { IMPORTS_ENV, requireEnv } from "../lib/environment.ts";
import { logger, metrics } from "../lib/powertools.ts";
import { s3Client } from "../lib/s3.ts";
import { sqsClient } from "../lib/sqs.ts";
import { CommandSender, createCommandOf, type ImportSource } from "./commands.ts";
import { formatOf, IMPORT_EXTENSIONS, parseUploadKey, resultKey } from "./layout.ts";
import { ResultWriter } from "./result.ts";
import { ImportFileError, rowsOf } from "./rows.ts";

/** S3 writes keys in events URL-encoded, with `+` for a space. */
export function objectKeyOf(record: S3EventRecord): string {
  return decodeURIComponent(record.s3.object.key.replaceAll("+", " "));
}

/**
 * Imports each uploaded file the event names: streams it from S3 (never whole in memory), checks every row with
 * the API's own schema, sends valid rows as create commands owned by the uploader, and writes the file's result.
 * A failure that a retry may heal (S3 or SQS unavailable) fails the invocation: Lambda retries it, and the retry
 * sends the same commands under the same ids, which create nothing twice.
 */
export const handler = async (event: S3Event, context: Context): Promise<void> => {
  logger.addContext(context);
  try {
    for (const record of event.Records) await importFile(record);
  } finally {
    metrics.publishStoredMetrics();
  }
};

async function importFile(record: S3EventRecord): Promise<void> {
  const key = objectKeyOf(record);
  const upload = parseUploadKey(key);
  if (!upload) {
    // No owner to import for, nor to answer: nobody writes here but through an upload URL, which fixes the key.
    logger.error("Object outside imports/<owner>/<name> ignored", { key });
    metrics.addMetric("ImportIgnored", MetricUnit.Count, 1);
    return;
  }
  const source: ImportSource = {
    bucket: record.s3.bucket.name,
    key,
    versionId: record.s3.object.versionId ?? "null",
  };
  const result = new ResultWriter(source);
  const publish = (status: "completed" | "rejected" | "stopped", problem?: string) =>
    result.publish(s3Client, source.bucket, resultKey(upload.owner, upload.name), status, problem);
  const queueUrl = requireEnv(IMPORTS_ENV.createQueueUrl);
  const maxFileBytes = Number(requireEnv(IMPORTS_ENV.maxFileBytes));
  const maxRows = Number(requireEnv(IMPORTS_ENV.maxRows));
  const format = formatOf(upload.name);
  if (!format)
    return publish("rejected", `the file must be ${IMPORT_EXTENSIONS.join(" or ")}: got "${upload.name}"`);
  if (record.s3.object.size > maxFileBytes)
    return publish(
      "rejected",
      `the file has ${record.s3.object.size} bytes, more than the ${maxFileBytes} an import takes`,
    );
  try {
    const object = await s3Client.send(
      new GetObjectCommand({
        Bucket: source.bucket,
        Key: key,
        ...(source.versionId === "null" ? {} : { VersionId: source.versionId }),
      }),
    );
    const body = object.Body as Readable;
    const sender = new CommandSender(sqsClient, (results) => result.add(results), { queueUrl });
    const requestedAt = Date.now();
    let problem: string | undefined;
    try {
      let rows = 0;
      for await (const row of rowsOf(body, format)) {
        rows += 1;
        if (rows > maxRows) {
          problem = `the file has more than the ${maxRows} rows an import takes: the rows from line ${row.line} on were not imported`;
          break;
        }
        if ("problem" in row) await result.add([{ line: row.line, status: "refused", reason: row.problem }]);
        else
          await sender.add(
            row.line,
            createCommandOf(source, row.line, upload.owner, row.payload, requestedAt),
          );
      }
    } catch (error) {
      if (!(error instanceof ImportFileError)) throw error;
      problem = error.message;
    } finally {
      // Stopped early (a problem with the file, a failed send): the rest of the object is not downloaded.
      body.destroy();
    }
    await sender.finish();
    const status = problem === undefined ? "completed" : result.totals.rows === 0 ? "rejected" : "stopped";
    await publish(status, problem);
    metrics.addMetric("ImportRowsQueued", MetricUnit.Count, result.totals.queued);
    metrics.addMetric("ImportRowsRefused", MetricUnit.Count, result.totals.refused);
    logger.info("Import finished", { key, versionId: source.versionId, status, problem, ...result.totals });
  } catch (error) {
    await result.discard();
    if ((error as Error).name === "NoSuchKey" || (error as Error).name === "NoSuchVersion") {
      logger.warn("Import file deleted before it was read", { key, versionId: source.versionId });
      return;
    }
    throw error;
  }
}
