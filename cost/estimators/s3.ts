import { RESULTS_PREFIX } from "../../handlers/imports/layout.ts";
import { REPORT_FORMATS, REPORTS_PREFIX } from "../../handlers/jobs/contract.ts";
import { attachedToBucket } from "../../synthesized/buckets.ts";
import {
  findFunction,
  resourcesOf,
  type StackJson,
  type StackResource,
} from "../../synthesized/stack-json.ts";
import { functionsReferring } from "../stack-usage.ts";
import type { CostContext, ServiceEstimator } from "../types.ts";

/** A week's report, JSON and CSV together: under 16 KB (one row per operation and outcome, two per queue). */
const REPORT_BYTES = 16 * 1024;
const GB = 1e9;
const DAYS_PER_MONTH = 30.4375;

/**
 * S3 bills storage and requests; a bucket's configuration (encryption, public access block, ownership, policy,
 * versioning, lifecycle, notifications) costs nothing of its own. The site bucket holds the web app's files, which
 * Terraform uploads and CloudFront reads on a cache miss; the reports bucket gets one object per format per report
 * run, kept for its lifecycle's expiration; the imports bucket takes each uploaded file (a PUT), the importer it
 * notifies reads it (a GET) and answers with a result (a PUT), both stored until their lifecycle expires them. With
 * an S3 bucket key, KMS requests are per bucket key, not per object, and stay within the key's fixed requests.
 */
export const s3: ServiceEstimator = {
  service: "S3",
  prices: [
    "aws_s3_bucket",
    "aws_s3_bucket_lifecycle_configuration",
    "aws_s3_bucket_ownership_controls",
    "aws_s3_bucket_policy",
    "aws_s3_bucket_public_access_block",
    "aws_s3_bucket_server_side_encryption_configuration",
    "aws_s3_bucket_versioning",
    "aws_s3_bucket_notification",
    "aws_s3_object",
  ],
  estimate: (context) => [...siteLines(context), ...reportLines(context), ...importLines(context)],
};

function siteLines(context: CostContext) {
  const { stack, traffic, requests } = context;
  const siteObjects = resourcesOf(stack, "aws_s3_object").length;
  if (siteObjects === 0 || resourcesOf(stack, "aws_cloudfront_distribution").length === 0) return [];
  return [
    {
      item: "site files stored",
      quantity: traffic.site.storedBytes / 1024 ** 3,
      priceKey: "s3.storage",
      fixed: true,
    },
    {
      item: "reads from CloudFront (origin fetches)",
      quantity:
        requests *
        traffic.site.pageLoadsPerRequest *
        traffic.site.filesPerPageLoad *
        traffic.site.originFetchShare,
      priceKey: "s3.get-requests",
      fixed: false,
    },
  ];
}

function reportLines(context: CostContext) {
  const reportRuns = functionsReferring(context, "aws_s3_bucket").reduce(
    (sum, name) => sum + (context.invocations.get(name) ?? 0),
    0,
  );
  if (reportRuns === 0) return [];
  // The reports bucket's expiration of the report prefix: another bucket's rules are not the reports'.
  const keptDays = Math.max(
    0,
    ...resourcesOf(context.stack, "aws_s3_bucket").map(
      (bucket) => retentionDays(context.stack, bucket, REPORTS_PREFIX) ?? 0,
    ),
  );
  return [
    {
      item: "report objects written (PUT)",
      quantity: reportRuns * REPORT_FORMATS.length,
      priceKey: "s3.put-requests",
      fixed: true,
    },
    {
      item: "reports stored (steady state over their retention)",
      quantity: (reportRuns * REPORT_BYTES * (keptDays / DAYS_PER_MONTH)) / GB,
      priceKey: "s3.storage",
      fixed: true,
    },
  ];
}

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

function importLines(context: CostContext) {
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
}
