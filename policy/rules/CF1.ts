import { blocksOf, findByReference, resourcesOf } from "../../synthesized/stack-json.ts";
import { finding, type PolicyRule } from "../rule.ts";

interface Origin {
  domain_name?: string;
  origin_id?: string;
  origin_access_control_id?: string;
  s3_origin_config?: unknown;
}

export const CF1: PolicyRule = {
  id: "CF1",
  title: "A distribution reads its S3 origins through origin access control that signs every request (SigV4)",
  rationale:
    "Without origin access control the bucket must be public or use the legacy origin access identity; an OAC that " +
    "signs only sometimes lets unsigned requests reach the bucket.",
  mirrors: "Security Hub CloudFront.13",
  check: (stack) =>
    resourcesOf(stack, "aws_cloudfront_distribution").flatMap((distribution) =>
      blocksOf<Origin>(distribution.values.origin).flatMap((origin) => {
        const control = findByReference(stack, origin.origin_access_control_id);
        if (!control)
          return [
            finding(
              "CF1",
              distribution,
              `origin ${origin.origin_id} has no origin access control of this stack`,
            ),
          ];
        const { signing_behavior: signing, signing_protocol: protocol } = control.values;
        return signing === "always" && protocol === "sigv4"
          ? []
          : [
              finding(
                "CF1",
                control,
                `signs ${String(signing)} with ${String(protocol)}, not always with sigv4`,
              ),
            ];
      }),
    ),
};
