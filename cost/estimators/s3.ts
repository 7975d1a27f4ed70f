import { resourcesOf } from "../../synthesized/stack-json.ts";
import type { ServiceEstimator } from "../types.ts";

/**
 * Buckets by what they hold and the reads that reach them. A bucket's configuration parts cost nothing by
 * themselves; its storage and requests do. Objects uploaded by Terraform are the web app's (the site's stored
 * bytes); reads are the fetches CloudFront passes to its origin.
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
  estimate: (context) => {
    const { stack, traffic, requests } = context;
    if (resourcesOf(stack, "aws_s3_bucket").length === 0) return [];
    const siteObjects = resourcesOf(stack, "aws_s3_object").length;
    const hasSite = siteObjects > 0 && resourcesOf(stack, "aws_cloudfront_distribution").length > 0;
    const originFetches = hasSite
      ? requests *
        traffic.site.pageLoadsPerRequest *
        traffic.site.filesPerPageLoad *
        traffic.site.originFetchShare
      : 0;
    return [
      {
        item: "site files stored",
        quantity: hasSite ? traffic.site.storedBytes / 1024 ** 3 : 0,
        priceKey: "s3.storage",
        fixed: true,
      },
      {
        item: "reads from CloudFront (origin fetches)",
        quantity: originFetches,
        priceKey: "s3.get-requests",
        fixed: false,
      },
    ];
  },
};
