import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { Lazy } from "cdktf";
import { Construct } from "constructs";
import { denyInsecureBucketTransport } from "../defaults.ts";
import { type PolicyStatement, policyDocument } from "../iam.ts";

/** Objects under one prefix expire this many days after they were written. */
export interface PrefixExpiration {
  /** Key prefix, e.g. `imports/`; the empty string is the whole bucket. */
  readonly prefix: string;
  readonly days: number;
}

export interface PrivateBucketProps {
  readonly bucketName: string;
  /**
   * The customer-managed key objects are encrypted with (SSE-KMS, with an S3 bucket key so S3 calls KMS once per
   * bucket key rather than per object). Required unless `s3ManagedEncryption` is set.
   */
  readonly kmsKeyArn?: string;
  /**
   * Encrypt with S3's own keys (SSE-S3) instead of the customer-managed key: for a bucket CloudFront serves through
   * origin access control, where every reader would otherwise need the key policy to name CloudFront. @default false
   */
  readonly s3ManagedEncryption?: boolean;
  /** Keep every version of every object (overwrites and deletes can be undone). @default true */
  readonly versioning?: boolean;
  /** Expiration of current objects, per prefix. @default none */
  readonly expirations?: readonly PrefixExpiration[];
  /** Noncurrent versions are deleted this many days after they were replaced. @default 30 when versioned */
  readonly noncurrentVersionDays?: number;
  /** Multipart uploads nobody completed are aborted, and their parts deleted, after this many days. @default 1 */
  readonly abortIncompleteUploadDays?: number;
  /** Statements the bucket policy carries besides its TLS-only statement (e.g. an origin access control's read). */
  readonly extraStatements?: readonly PolicyStatement[];
  /** Whether `terraform destroy` may delete a bucket that still holds objects. @default false */
  readonly forceDestroy?: boolean;
}

/**
 * An S3 bucket nobody outside the account reaches: encrypted at rest, all four public-access blocks, object
 * ownership enforced (ACLs off), a policy refusing plain HTTP, versioned, and a lifecycle that cleans up after
 * itself. Other constructs extend its policy with `addStatements`, never with a second policy resource (a bucket
 * has one policy; a second would overwrite the first).
 */
export class PrivateBucket extends Construct {
  readonly bucket: S3Bucket;
  readonly bucketName: string;
  readonly bucketArn: string;
  /** The bucket's id (its name), for resources that attach to it. */
  readonly bucketId: string;
  private readonly statements: PolicyStatement[];

  constructor(scope: Construct, id: string, props: PrivateBucketProps) {
    super(scope, id);
    if (!props.kmsKeyArn && !props.s3ManagedEncryption)
      throw new Error(`PrivateBucket ${props.bucketName}: give kmsKeyArn, or set s3ManagedEncryption`);
    this.bucketName = props.bucketName;
    this.bucket = new S3Bucket(this, "bucket", {
      bucket: props.bucketName,
      forceDestroy: props.forceDestroy ?? false,
    });
    this.bucketArn = this.bucket.arn;
    this.bucketId = this.bucket.id;
    const bucket = this.bucket.id;
    new S3BucketServerSideEncryptionConfigurationA(this, "encryption", {
      bucket,
      rule: [
        props.s3ManagedEncryption
          ? { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }
          : {
              applyServerSideEncryptionByDefault: {
                sseAlgorithm: "aws:kms",
                kmsMasterKeyId: props.kmsKeyArn,
              },
              bucketKeyEnabled: true,
            },
      ],
    });
    const publicAccessBlock = new S3BucketPublicAccessBlock(this, "public-access-block", {
      bucket,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    new S3BucketOwnershipControls(this, "ownership", {
      bucket,
      rule: { objectOwnership: "BucketOwnerEnforced" },
    });
    this.statements = [denyInsecureBucketTransport(this.bucket.arn), ...(props.extraStatements ?? [])];
    new S3BucketPolicy(this, "policy", {
      bucket,
      policy: Lazy.stringValue({ produce: () => policyDocument(this.statements) }),
      // S3 refuses a policy with a public grant while the blocks are being put in place; order them.
      dependsOn: [publicAccessBlock],
    });
    const versioned = props.versioning ?? true;
    const versioning = new S3BucketVersioningA(this, "versioning", {
      bucket,
      versioningConfiguration: { status: versioned ? "Enabled" : "Suspended" },
    });
    new S3BucketLifecycleConfiguration(this, "lifecycle", {
      bucket,
      rule: lifecycleRules(props, versioned),
      // A lifecycle rule on noncurrent versions needs versioning to be configured first.
      dependsOn: [versioning],
    });
  }

  /** Adds statements to the bucket's one policy (its TLS-only statement stays first). */
  addStatements(...statements: readonly PolicyStatement[]): void {
    this.statements.push(...statements);
  }

  /** ARN of the objects under a key prefix (`imports/`), or of every object. */
  objectsArn(prefix = ""): string {
    return `${this.bucket.arn}/${prefix}*`;
  }
}

function lifecycleRules(props: PrivateBucketProps, versioned: boolean) {
  const abortDays = props.abortIncompleteUploadDays ?? 1;
  const noncurrentDays = props.noncurrentVersionDays ?? 30;
  return [
    {
      id: "abort-incomplete-uploads-and-old-versions",
      status: "Enabled",
      filter: [{ prefix: "" }],
      abortIncompleteMultipartUpload: [{ daysAfterInitiation: abortDays }],
      ...(versioned
        ? {
            noncurrentVersionExpiration: [{ noncurrentDays }],
            // A delete leaves a marker in front of the versions; once they expire, the marker goes too.
            expiration: [{ expiredObjectDeleteMarker: true }],
          }
        : {}),
    },
    ...(props.expirations ?? []).map((expiration) => ({
      id: `expire-${expiration.prefix.replace(/[^A-Za-z0-9-]+/g, "-").replace(/-+$/, "") || "all"}`,
      status: "Enabled",
      filter: [{ prefix: expiration.prefix }],
      expiration: [{ days: expiration.days }],
    })),
  ];
}
