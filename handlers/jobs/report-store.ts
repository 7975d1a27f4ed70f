import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { JOBS_ENV, requireEnv } from "../lib/environment.ts";
import { SDK_CLIENT_DEFAULTS } from "../lib/sdk-defaults.ts";

/** Where a report's files go: a key, answered with the object's address. */
export interface ReportStore {
  put(key: string, body: string, contentType: string): Promise<string>;
}

let s3: S3Client | undefined;

/**
 * The environment's reports bucket. A second write of a week's report (a run retried after its objects were
 * written) writes the same bytes under the same key: the bucket keeps the earlier one as a noncurrent version.
 */
export function reportStore(): ReportStore {
  const bucket = requireEnv(JOBS_ENV.reportsBucket);
  // Path-style: the local S3 serves buckets under its own host, as S3 serves them under s3.<region>.amazonaws.com.
  s3 ??= new S3Client({
    ...SDK_CLIENT_DEFAULTS,
    forcePathStyle: process.env.AWS_ENDPOINT_URL_S3 !== undefined,
  });
  const client = s3;
  return {
    put: async (key, body, contentType) => {
      await client.send(
        new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }),
      );
      return `s3://${bucket}/${key}`;
    },
  };
}
