import { blocksOf, resourcesOf } from "../../synthesized/stack-json.ts";
import { finding, type PolicyRule } from "../rule.ts";

export const CF5: PolicyRule = {
  id: "CF5",
  title: "Viewers reach a distribution over HTTPS only (redirect-to-https or https-only on every behavior)",
  rationale: "A page served over HTTP can be altered on the way; its scripts then hold the user's tokens.",
  mirrors: "checkov CKV_AWS_34, Security Hub CloudFront.3",
  check: (stack) =>
    resourcesOf(stack, "aws_cloudfront_distribution").flatMap((distribution) =>
      [
        ...blocksOf<{ viewer_protocol_policy?: string }>(distribution.values.default_cache_behavior),
        ...blocksOf<{ viewer_protocol_policy?: string }>(distribution.values.ordered_cache_behavior),
      ]
        .filter(
          (behavior) =>
            !["redirect-to-https", "https-only"].includes(String(behavior.viewer_protocol_policy)),
        )
        .map((behavior) =>
          finding("CF5", distribution, `a cache behavior allows ${String(behavior.viewer_protocol_policy)}`),
        ),
    ),
};
