import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { Testing } from "cdktf";
import { ENVIRONMENTS } from "../../environments/index.ts";
import { S3B1 } from "../../policy/rules/S3B1.ts";
import { S3B2 } from "../../policy/rules/S3B2.ts";
import { S3B3 } from "../../policy/rules/S3B3.ts";
import { S3B4 } from "../../policy/rules/S3B4.ts";
import { PrivateBucket, type PrivateBucketProps } from "../../stacks/constructs/private-bucket.ts";
import { resourcesOf, type StackJson } from "../../synthesized/stack-json.ts";
import { parsePolicy } from "../support/policies.ts";

const config = ENVIRONMENTS[0] as (typeof ENVIRONMENTS)[number];
/** A reference S3B1 recognizes as a key of the stack. */
const STACK_KEY_ARN = ["$", "{aws_kms_key.key.arn}"].join("");

/** The bucket synthesized alone, next to a key the S3B1 rule recognizes as the stack's own. */
function synthesize(props: Partial<PrivateBucketProps>, extend?: (bucket: PrivateBucket) => void): string {
  return Testing.synthScope((scope) => {
    const bucket = new PrivateBucket(scope, "files", {
      bucketName: "crud-test-files",
      kmsKeyArn: STACK_KEY_ARN,
      ...props,
    });
    extend?.(bucket);
  });
}

const S3_RULES = [S3B1, S3B2, S3B3, S3B4];

describe("PrivateBucket", () => {
  const synthesized = synthesize({
    expirations: [
      { prefix: "imports/", days: 7 },
      { prefix: "results/", days: 30 },
    ],
    noncurrentVersionDays: 5,
  });
  const stack = JSON.parse(synthesized) as StackJson;

  it("encrypts with the given key and an S3 bucket key", () => {
    expect(synthesized).toHaveResourceWithProperties(S3BucketServerSideEncryptionConfigurationA, {
      rule: [
        {
          apply_server_side_encryption_by_default: {
            sse_algorithm: "aws:kms",
            kms_master_key_id: STACK_KEY_ARN,
          },
          bucket_key_enabled: true,
        },
      ],
    });
  });

  it("encrypts with SSE-S3 when asked, and needs no key then", () => {
    const s3Managed = synthesize({ kmsKeyArn: undefined, s3ManagedEncryption: true });
    expect(s3Managed).toHaveResourceWithProperties(S3BucketServerSideEncryptionConfigurationA, {
      rule: [{ apply_server_side_encryption_by_default: { sse_algorithm: "AES256" } }],
    });
    expect(S3B1.check(JSON.parse(s3Managed) as StackJson, { config })).toEqual([]);
  });

  it("refuses to be made without any encryption choice", () => {
    expect(() => synthesize({ kmsKeyArn: undefined })).toThrow(
      /PrivateBucket crud-test-files: give kmsKeyArn, or set s3ManagedEncryption/,
    );
  });

  it("blocks public access four ways, enforces bucket-owner ownership and is versioned", () => {
    expect(synthesized).toHaveResourceWithProperties(S3BucketPublicAccessBlock, {
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
    expect(synthesized).toHaveResourceWithProperties(S3BucketOwnershipControls, {
      rule: { object_ownership: "BucketOwnerEnforced" },
    });
    expect(synthesized).toHaveResourceWithProperties(S3BucketVersioningA, {
      versioning_configuration: { status: "Enabled" },
    });
  });

  it("expires each prefix on its own schedule, old versions and abandoned uploads", () => {
    const [lifecycle] = resourcesOf(stack, "aws_s3_bucket_lifecycle_configuration");
    const rules = lifecycle?.values.rule as Array<Record<string, unknown>>;
    expect(rules).toContainEqual(
      expect.objectContaining({
        filter: [{ prefix: "imports/" }],
        expiration: [{ days: 7 }],
        status: "Enabled",
      }),
    );
    expect(rules).toContainEqual(
      expect.objectContaining({ filter: [{ prefix: "results/" }], expiration: [{ days: 30 }] }),
    );
    expect(rules).toContainEqual(
      expect.objectContaining({
        abort_incomplete_multipart_upload: [{ days_after_initiation: 1 }],
        noncurrent_version_expiration: [{ noncurrent_days: 5 }],
      }),
    );
    expect(new Set(rules.map((rule) => rule.id)).size).toBe(rules.length);
  });

  it("keeps no noncurrent-version rule on an unversioned bucket", () => {
    const unversioned = synthesize({ versioning: false });
    expect(unversioned).toHaveResourceWithProperties(S3BucketVersioningA, {
      versioning_configuration: { status: "Suspended" },
    });
    const [lifecycle] = resourcesOf(
      JSON.parse(unversioned) as StackJson,
      "aws_s3_bucket_lifecycle_configuration",
    );
    const rules = lifecycle?.values.rule as Array<Record<string, unknown>>;
    expect(rules.length).toBeGreaterThan(0);
    for (const rule of rules) expect(rule).not.toHaveProperty("noncurrent_version_expiration");
    expect(S3B4.check(JSON.parse(unversioned) as StackJson, { config })).toHaveLength(1);
  });

  it("has one policy: TLS only first, then the statements others add", () => {
    const extended = JSON.parse(
      synthesize({}, (bucket) =>
        bucket.addStatements({
          Sid: "AllowCloudFrontRead",
          Effect: "Allow",
          Principal: { Service: "cloudfront.amazonaws.com" },
          Action: "s3:GetObject",
          Resource: bucket.objectsArn(),
        }),
      ),
    ) as StackJson;
    const policies = resourcesOf(extended, "aws_s3_bucket_policy");
    expect(policies).toHaveLength(1);
    const statements = parsePolicy(policies[0]?.values.policy).Statement;
    expect(statements.map((statement) => statement.Sid)).toEqual([
      "DenyInsecureTransport",
      "AllowCloudFrontRead",
    ]);
    expect(statements[0]?.Condition).toEqual({ Bool: { "aws:SecureTransport": "false" } });
  });

  it.each(S3_RULES.map((rule) => [rule.id, rule] as const))("passes %s", (_, rule) => {
    expect(rule.check(stack, { config })).toEqual([]);
  });
});
