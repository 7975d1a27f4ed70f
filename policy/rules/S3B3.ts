import { bucketsWith } from "../../synthesized/buckets.ts";
import { finding, type PolicyRule } from "../rule.ts";

const BLOCKS = ["block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"];

export const S3B3: PolicyRule = {
  id: "S3B3",
  title: "Every bucket blocks public access (all four settings) and enforces bucket-owner object ownership",
  rationale:
    "No object of the service is public; CloudFront reads through origin access control, which needs no public " +
    "access. ACLs off (BucketOwnerEnforced) leaves the bucket policy the one place that grants access.",
  mirrors: "cdk-nag AwsSolutions-S2, checkov CKV2_AWS_6",
  check: (stack) =>
    bucketsWith(stack, "aws_s3_bucket_public_access_block").flatMap(({ bucket, attached }) => {
      if (!attached) return [finding("S3B3", bucket, "no public access block")];
      const off = BLOCKS.filter((setting) => attached.values[setting] !== true);
      const ownership = bucketsWith(stack, "aws_s3_bucket_ownership_controls").find(
        (candidate) => candidate.bucket.address === bucket.address,
      )?.attached;
      const enforced =
        (ownership?.values.rule as { object_ownership?: string } | undefined)?.object_ownership ===
        "BucketOwnerEnforced";
      return [
        ...(off.length > 0
          ? [finding("S3B3", bucket, `public access block leaves off ${off.join(", ")}`)]
          : []),
        ...(enforced
          ? []
          : [finding("S3B3", bucket, "object ownership is not BucketOwnerEnforced (ACLs on)")]),
      ];
    }),
};
