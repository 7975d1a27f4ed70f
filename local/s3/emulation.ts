import { bucketsWith } from "../../synthesized/buckets.ts";
import type { StackJson } from "../../synthesized/stack-json.ts";
import type { LocalEmulation } from "../emulations.ts";

/** The stack's buckets as the local S3 serves them: by name, versioned where the stack enables versioning. */
export function localBuckets(stack: StackJson): Array<{ name: string; versioned: boolean }> {
  return bucketsWith(stack, "aws_s3_bucket_versioning").map(({ bucket, attached }) => ({
    name: String(bucket.values.bucket),
    versioned:
      (attached?.values.versioning_configuration as { status?: string } | undefined)?.status === "Enabled",
  }));
}

/**
 * S3 for the runner: buckets under their stack names (a function finds its bucket by the name in its environment
 * and reaches it at `AWS_ENDPOINT_URL_S3`). Encryption, public access, ownership and policies change nothing on
 * one machine; the policy pack checks them.
 */
export const s3Emulation: LocalEmulation = {
  service: "S3",
  references: {
    aws_s3_bucket: (bucket, attribute) => {
      const name = String(bucket.values.bucket);
      if (attribute === "id" || attribute === "bucket") return name;
      if (attribute === "arn") return `arn:aws:s3:::${name}`;
      return undefined;
    },
  },
  alsoServes: [
    "aws_s3_bucket_versioning",
    "aws_s3_bucket_notification",
    "aws_s3_bucket_lifecycle_configuration",
    "aws_s3_bucket_server_side_encryption_configuration",
    "aws_s3_bucket_public_access_block",
    "aws_s3_bucket_ownership_controls",
    "aws_s3_bucket_policy",
  ],
};
