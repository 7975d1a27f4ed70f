import { blocksOf, resourcesOf } from "../../synthesized/stack-json.ts";
import { finding, type PolicyRule } from "../rule.ts";

/** CloudFront's security policies from TLSv1.2_2021 on: TLS 1.2 and 1.3 with forward-secret AEAD ciphers only. */
const STRICT_POLICIES = new Set(["TLSv1.2_2021", "TLSv1.2_2025", "TLSv1.3_2025"]);

interface ViewerCertificate {
  acm_certificate_arn?: string;
  cloudfront_default_certificate?: boolean;
  minimum_protocol_version?: string;
}

export const CF2: PolicyRule = {
  id: "CF2",
  title:
    "A distribution with its own certificate accepts TLSv1.2_2021 at least; production serves its own certificate",
  rationale:
    "Older security policies keep TLS 1.0/1.1 and CBC ciphers. The default *.cloudfront.net certificate is always " +
    "served with CloudFront's TLSv1 policy whatever is asked, so production must not rely on it.",
  mirrors: "checkov CKV_AWS_174, Security Hub CloudFront.7",
  check: (stack, context) =>
    resourcesOf(stack, "aws_cloudfront_distribution").flatMap((distribution) => {
      const [certificate] = blocksOf<ViewerCertificate>(distribution.values.viewer_certificate);
      const version = String(certificate?.minimum_protocol_version);
      if (certificate?.acm_certificate_arn)
        return STRICT_POLICIES.has(version)
          ? []
          : [finding("CF2", distribution, `minimum_protocol_version ${version} is below TLSv1.2_2021`)];
      return context.config.tier === "production"
        ? [
            finding(
              "CF2",
              distribution,
              "production serves the default certificate (TLSv1 minimum); give it a custom domain",
            ),
          ]
        : [];
    }),
};
