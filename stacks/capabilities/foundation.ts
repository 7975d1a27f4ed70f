import { ArchiveProvider } from "@cdktf/provider-archive/lib/provider";
import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { LocalBackend, S3Backend, type TerraformStack } from "cdktf";
import type { EnvironmentConfig } from "../../environments/environment-config.ts";
import { ApiGatewayAccountLogging } from "../constructs/api-gateway-account.ts";
import { EncryptionKey } from "../constructs/encryption-key.ts";
import type { ServiceKey } from "../iam.ts";

/** What every other capability builds on: where it deploys, its key, and API Gateway's logging role. */
export interface Foundation {
  /** AWS partition (`aws`, `aws-cn`, ...), resolved without an AWS call so the stack plans offline. */
  readonly partition: string;
  /** The partition's DNS suffix (`amazonaws.com`, ...), for service principals. */
  readonly dnsSuffix: string;
  readonly key: EncryptionKey;
  readonly keyArn: string;
  /** The key with where the services that use it for roles answer, for `kms:ViaService` conditions. */
  readonly serviceKey: ServiceKey;
  /** API Gateway's account-wide logging setting, when this stack owns it: API stages depend on it. */
  readonly accountLogging?: ApiGatewayAccountLogging;
}

/**
 * Step 1 of the service stack: providers, state backend, the environment's KMS key and, where this
 * environment owns it, API Gateway's account-wide CloudWatch role.
 */
export function addFoundation(stack: TerraformStack, config: EnvironmentConfig): Foundation {
  new AwsProvider(stack, "aws", {
    region: config.region,
    allowedAccountIds: [config.accountId],
    defaultTags: [{ tags: { ...config.tags } }],
  });
  new ArchiveProvider(stack, "archive");
  configureBackend(stack, config);
  const partition = new DataAwsPartition(stack, "partition");
  const key = new EncryptionKey(stack, "encryption", {
    namePrefix: config.namePrefix,
    accountId: config.accountId,
    region: config.region,
    partition: partition.partition,
    dnsSuffix: partition.dnsSuffix,
    deletionWindowDays: config.kmsDeletionWindowDays,
  });
  const accountLogging = config.ownsApiGatewayAccountSettings
    ? new ApiGatewayAccountLogging(stack, "api-gateway-account", {
        roleName: `${config.namePrefix}-apigateway-cloudwatch`,
        accountId: config.accountId,
        region: config.region,
        partition: partition.partition,
      })
    : undefined;
  return {
    partition: partition.partition,
    dnsSuffix: partition.dnsSuffix,
    key,
    keyArn: key.key.arn,
    serviceKey: { arn: key.key.arn, region: config.region, dnsSuffix: partition.dnsSuffix },
    accountLogging,
  };
}

function configureBackend(stack: TerraformStack, config: EnvironmentConfig): void {
  if (config.backend.type === "local") {
    new LocalBackend(stack, { path: `terraform.${config.name}.tfstate` });
    return;
  }
  const { bucket, key, region, kmsKeyId } = config.backend;
  new S3Backend(stack, { bucket, key, region, encrypt: true, kmsKeyId });
  // Terraform 1.10+ locks state with a lock object in the bucket; cdktf 0.21 has no typed field for it.
  stack.addOverride("terraform.backend.s3.use_lockfile", true);
}
