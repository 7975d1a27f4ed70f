import { bucketsWith } from "../../synthesized/buckets.ts";
import { namesStackKey } from "../../synthesized/stack-json.ts";
import { finding, type PolicyRule } from "../rule.ts";

interface EncryptionRule {
  apply_server_side_encryption_by_default?: { sse_algorithm?: string; kms_master_key_id?: string };
  bucket_key_enabled?: boolean;
}

export const S3B1: PolicyRule = {
  id: "S3B1",
  title: "Every bucket states its encryption: the environment's key with a bucket key, or SSE-S3",
  rationale:
    "Objects hold users' data: with the customer-managed key, reading them needs the key too (and the bucket key " +
    "keeps KMS calls per bucket, not per object); SSE-S3 is for buckets CloudFront serves.",
  mirrors: "checkov CKV_AWS_145",
  check: (stack) =>
    bucketsWith(stack, "aws_s3_bucket_server_side_encryption_configuration").flatMap(
      ({ bucket, attached }) => {
        if (!attached) return [finding("S3B1", bucket, "no server-side encryption configuration")];
        const rules = (attached.values.rule ?? []) as EncryptionRule[];
        const byDefault = rules[0]?.apply_server_side_encryption_by_default;
        if (byDefault?.sse_algorithm === "AES256") return [];
        if (byDefault?.sse_algorithm !== "aws:kms" || !namesStackKey(byDefault.kms_master_key_id))
          return [
            finding("S3B1", bucket, "objects are not encrypted with a key of this stack, nor with SSE-S3"),
          ];
        return rules[0]?.bucket_key_enabled === true
          ? []
          : [finding("S3B1", bucket, "SSE-KMS without bucket_key_enabled: a KMS call for every object")];
      },
    ),
};
