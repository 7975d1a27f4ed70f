import { resourcesOf } from "../../synthesized/stack-json.ts";
import type { ServiceEstimator } from "../types.ts";

export const waf: ServiceEstimator = {
  service: "WAF",
  prices: ["aws_wafv2_web_acl", "aws_wafv2_web_acl_association"],
  estimate: (context) => {
    const acls = resourcesOf(context.stack, "aws_wafv2_web_acl");
    const rules = acls.reduce(
      (sum, acl) =>
        sum +
        (acl.values.rule_json
          ? (JSON.parse(String(acl.values.rule_json)) as unknown[]).length
          : ((acl.values.rule as unknown[] | undefined) ?? []).length),
      0,
    );
    const { site } = context.traffic;
    const inspected =
      (resourcesOf(context.stack, "aws_wafv2_web_acl_association").length > 0
        ? context.requests * context.traffic.restCallsPerRequest
        : 0) +
      // A CloudFront ACL inspects every fetch of the site (it is named by the distribution, not associated).
      (resourcesOf(context.stack, "aws_cloudfront_distribution").some(
        (distribution) => distribution.values.web_acl_id,
      )
        ? context.requests * site.pageLoadsPerRequest * site.filesPerPageLoad
        : 0);
    return acls.length === 0
      ? []
      : [
          { item: "web ACLs", quantity: acls.length, priceKey: "waf.web-acls", fixed: true },
          { item: "rules", quantity: rules, priceKey: "waf.rules", fixed: true },
          { item: "requests inspected", quantity: inspected, priceKey: "waf.requests", fixed: false },
        ];
  },
};
