import { resourcesOf } from "../../synthesized/stack-json.ts";
import type { ServiceEstimator } from "../types.ts";

/**
 * The web app's distribution: HTTPS requests and bytes out per page load, and its access logs delivered to
 * CloudWatch Logs as vended logs (their storage is the log group's, priced with CloudWatch). Its policies and
 * origin access control cost nothing by themselves.
 */
export const cloudfront: ServiceEstimator = {
  service: "CloudFront",
  prices: [
    "aws_cloudfront_distribution",
    "aws_cloudfront_cache_policy",
    "aws_cloudfront_origin_access_control",
    "aws_cloudfront_response_headers_policy",
    "aws_cloudwatch_log_delivery",
    "aws_cloudwatch_log_delivery_destination",
    "aws_cloudwatch_log_delivery_source",
  ],
  estimate: (context) => {
    const distributions = resourcesOf(context.stack, "aws_cloudfront_distribution").length;
    if (distributions === 0) return [];
    const { site } = context.traffic;
    const pageLoads = context.requests * site.pageLoadsPerRequest;
    const fetches = pageLoads * site.filesPerPageLoad;
    const logged = resourcesOf(context.stack, "aws_cloudwatch_log_delivery").length > 0;
    return [
      { item: "HTTPS requests", quantity: fetches, priceKey: "cloudfront.https-requests", fixed: false },
      {
        item: "data transfer out",
        quantity: (pageLoads * site.bytesPerPageLoad) / 1024 ** 3,
        priceKey: "cloudfront.data-out",
        fixed: false,
      },
      {
        item: "access logs delivered",
        quantity: logged ? (fetches * site.accessLogBytesPerFetch) / 1024 ** 3 : 0,
        priceKey: "cloudfront.vended-logs",
        fixed: false,
      },
    ];
  },
};
