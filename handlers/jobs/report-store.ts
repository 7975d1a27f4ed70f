import { JOBS_ENV, requireEnv } from "../lib/environment.ts";

/** Where a report's files go: a key in the reports bucket, answered with where it is. */
export interface ReportStore {
  put(key: string, body: string, contentType: string): Promise<string>;
}

/** The environment's reports bucket. */
export function reportStore(): ReportStore {
  const bucket = requireEnv(JOBS_ENV.reportsBucket);
  return {
    put: async (key) => {
      throw new Error(`No S3 writer for s3://${bucket}/${key} yet`);
    },
  };
}
