import { bucketsWith } from "../../synthesized/buckets.ts";
import { finding, type PolicyRule } from "../rule.ts";

export const S3B4: PolicyRule = {
  id: "S3B4",
  title: "Every bucket is versioned",
  rationale:
    "An overwrite or a delete must be recoverable, and a version id is what makes an object's processing " +
    "idempotent. A bucket that must not keep versions says why in a suppression (policy/suppressions.ts).",
  mirrors: "checkov CKV_AWS_21",
  check: (stack) =>
    bucketsWith(stack, "aws_s3_bucket_versioning").flatMap(({ bucket, attached }) => {
      const status = (attached?.values.versioning_configuration as { status?: string } | undefined)?.status;
      return status === "Enabled"
        ? []
        : [finding("S3B4", bucket, `versioning is ${status ?? "not configured"}`)];
    }),
};
