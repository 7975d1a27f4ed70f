import { blocksOf, referenceTo, resourcesOf } from "../../synthesized/stack-json.ts";
import { finding, type PolicyRule } from "../rule.ts";

export const CF4: PolicyRule = {
  id: "CF4",
  title: "Every distribution logs its requests (standard logs v2 delivered, or legacy logging to a bucket)",
  rationale: "Without access logs nobody can tell who fetched what, or investigate abuse of the site.",
  mirrors: "checkov CKV_AWS_86, Security Hub CloudFront.5",
  check: (stack) =>
    resourcesOf(stack, "aws_cloudfront_distribution").flatMap((distribution) => {
      const arn = referenceTo(distribution, "arn");
      const sources = resourcesOf(stack, "aws_cloudwatch_log_delivery_source").filter(
        (source) => source.values.resource_arn === arn && source.values.log_type === "ACCESS_LOGS",
      );
      const delivered = sources.some((source) =>
        resourcesOf(stack, "aws_cloudwatch_log_delivery").some(
          (delivery) => delivery.values.delivery_source_name === referenceTo(source, "name"),
        ),
      );
      const legacy = blocksOf<{ bucket?: string }>(distribution.values.logging_config)[0]?.bucket;
      return delivered || legacy
        ? []
        : [finding("CF4", distribution, "no access log delivery for this distribution")];
    }),
};
