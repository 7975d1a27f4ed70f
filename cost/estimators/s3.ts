import { REPORT_FORMATS } from "../../handlers/jobs/contract.ts";
import { findByReference, resourcesOf } from "../../synthesized/stack-json.ts";
import { functionsReferring } from "../stack-usage.ts";
import type { CostContext, ServiceEstimator } from "../types.ts";

/** A week's report, JSON and CSV together: under 16 KB (one row per operation and outcome, two per queue). */
const REPORT_BYTES = 16 * 1024;

/**
 * S3 bills storage and requests; a bucket's configuration (encryption, public access block, ownership, policy,
 * versioning, lifecycle, notifications) costs nothing of its own. The site bucket holds the web app's files, which
 * Terraform uploads and CloudFront reads on a cache miss; the reports bucket gets one object per format per report
 * run, kept for its lifecycle's expiration.
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
  estimate: (context) => [...siteLines(context), ...reportLines(context)],
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
  const retentionDays = Math.max(
    0,
    ...resourcesOf(context.stack, "aws_s3_bucket_lifecycle_configuration")
      .filter(
        (lifecycle) => findByReference(context.stack, lifecycle.values.bucket)?.type === "aws_s3_bucket",
      )
      .flatMap((lifecycle) =>
        ((lifecycle.values.rule as Array<{ expiration?: Array<{ days?: number }> }>) ?? []).flatMap((rule) =>
          (rule.expiration ?? []).map((expiration) => Number(expiration.days ?? 0)),
        ),
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
      quantity: (reportRuns * REPORT_BYTES * (retentionDays / 30.4375)) / 1e9,
      priceKey: "s3.storage",
      fixed: true,
    },
  ];
}
