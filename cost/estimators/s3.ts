import { RESULTS_PREFIX } from "../../handlers/imports/layout.ts";
import { attachedToBucket } from "../../synthesized/buckets.ts";
import {
  findFunction,
  resourcesOf,
  type StackJson,
  type StackResource,
} from "../../synthesized/stack-json.ts";
import type { ServiceEstimator } from "../types.ts";

const GB = 1e9;
const DAYS_PER_MONTH = 30.4375;

/** Days objects under `prefix` are kept, from the bucket's lifecycle rules (undefined: kept until deleted). */
function retentionDays(stack: StackJson, bucket: StackResource, prefix: string): number | undefined {
  const [lifecycle] = attachedToBucket(stack, "aws_s3_bucket_lifecycle_configuration", bucket);
  const rules = (lifecycle?.values.rule ?? []) as Array<{
    filter?: Array<{ prefix?: string }>;
    expiration?: Array<{ days?: number }>;
  }>;
  return rules.find((rule) => rule.filter?.[0]?.prefix === prefix && rule.expiration?.[0]?.days)
    ?.expiration?.[0]?.days;
}

/**
 * S3: the imports bucket, driven by imports (traffic's `imports`): each file is uploaded (a PUT), read by the
 * importer it notifies (a GET), answered by a result (a PUT), and both are stored until their lifecycle expires them.
 * A bucket's settings (encryption, policy, public access, versioning, notification) cost nothing of their own; with
 * an S3 bucket key, KMS requests are per bucket key, not per object, and stay within the key's fixed requests.
 */
export const s3: ServiceEstimator = {
  service: "S3",
  prices: [
    "aws_s3_bucket",
    "aws_s3_bucket_lifecycle_configuration",
    "aws_s3_bucket_notification",
    "aws_s3_bucket_ownership_controls",
    "aws_s3_bucket_policy",
    "aws_s3_bucket_public_access_block",
    "aws_s3_bucket_server_side_encryption_configuration",
    "aws_s3_bucket_versioning",
  ],
  estimate: (context) => {
    const { stack, requests, traffic } = context;
    return resourcesOf(stack, "aws_s3_bucket").flatMap((bucket) => {
      const notifications = attachedToBucket(stack, "aws_s3_bucket_notification", bucket);
      const importer = notifications
        .flatMap(
          (notification) => (notification.values.lambda_function ?? []) as Array<Record<string, unknown>>,
        )
        .map((entry) => ({ entry, target: findFunction(stack, entry.lambda_function_arn) }))
        .find(({ target }) => target !== undefined);
      if (!importer) return [];
      const files = requests * traffic.imports.filesPerRequest;
      const uploadsPrefix = String(importer.entry.filter_prefix ?? "");
      const keptDays = (prefix: string) => retentionDays(stack, bucket, prefix) ?? DAYS_PER_MONTH;
      // In the steady state a month's files stay for their retention: files x size x retention in months.
      const gbMonths =
        (files * traffic.imports.bytesPerFile * (keptDays(uploadsPrefix) + keptDays(RESULTS_PREFIX))) /
        DAYS_PER_MONTH /
        GB;
      const name = String(bucket.values.bucket);
      return [
        {
          item: `${name}: uploads and results stored`,
          quantity: gbMonths,
          priceKey: "s3.storage",
          fixed: false,
        },
        {
          item: `${name}: uploads and results written`,
          quantity: 2 * files,
          priceKey: "s3.put-requests",
          fixed: false,
        },
        {
          item: `${name}: uploads read by the importer`,
          quantity: files,
          priceKey: "s3.get-requests",
          fixed: false,
        },
      ];
    });
  },
};
