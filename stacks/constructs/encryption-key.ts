import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { Construct } from "constructs";
import { policyDocument } from "../iam.ts";

export interface EncryptionKeyProps {
  readonly namePrefix: string;
  readonly accountId: string;
  readonly region: string;
  /** AWS partition (`aws`, `aws-cn`, ...) and its DNS suffix, for service principals and ARNs. */
  readonly partition: string;
  readonly dnsSuffix: string;
  readonly deletionWindowDays: number;
}

/**
 * The environment's customer-managed key: queues, tables, log groups and the alarm topic use it.
 * Account principals get it through IAM (the default key policy shape); services get only the
 * operations they perform, each bound to this account by a condition.
 */
export class EncryptionKey extends Construct {
  readonly key: KmsKey;

  constructor(scope: Construct, id: string, props: EncryptionKeyProps) {
    super(scope, id);
    const { accountId, region, partition, dnsSuffix, namePrefix } = props;
    this.key = new KmsKey(this, "key", {
      description: `${namePrefix}: queues, tables, logs and alarm topic`,
      enableKeyRotation: true,
      deletionWindowInDays: props.deletionWindowDays,
      policy: policyDocument([
        {
          Sid: "EnableIamPoliciesOfThisAccount",
          Effect: "Allow",
          Principal: { AWS: `arn:${partition}:iam::${accountId}:root` },
          Action: "kms:*",
          Resource: "*",
        },
        {
          Sid: "AllowCloudWatchLogsOfThisAccount",
          Effect: "Allow",
          Principal: { Service: `logs.${region}.${dnsSuffix}` },
          Action: [
            "kms:Decrypt",
            "kms:DescribeKey",
            "kms:Encrypt",
            "kms:GenerateDataKey",
            "kms:ReEncryptFrom",
            "kms:ReEncryptTo",
          ],
          Resource: "*",
          Condition: {
            ArnLike: {
              "kms:EncryptionContext:aws:logs:arn": `arn:${partition}:logs:${region}:${accountId}:log-group:*`,
            },
          },
        },
        {
          Sid: "AllowSqsSendersOfThisAccountViaSqs",
          Effect: "Allow",
          Principal: { AWS: `arn:${partition}:iam::${accountId}:root` },
          Action: ["kms:Decrypt", "kms:GenerateDataKey"],
          Resource: "*",
          Condition: {
            StringEquals: { "kms:ViaService": `sqs.${region}.${dnsSuffix}`, "kms:CallerAccount": accountId },
          },
        },
        {
          Sid: "AllowCloudWatchAlarmsToPublishToTheEncryptedTopic",
          Effect: "Allow",
          Principal: { Service: `cloudwatch.${dnsSuffix}` },
          Action: ["kms:Decrypt", "kms:GenerateDataKey"],
          Resource: "*",
          Condition: { StringEquals: { "aws:SourceAccount": accountId } },
        },
        {
          // The event bus (encrypting its events, decrypting them to match rules) and its targets' dead-letter queues.
          Sid: "AllowEventBridgeOfThisAccount",
          Effect: "Allow",
          Principal: { Service: `events.${dnsSuffix}` },
          Action: ["kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey"],
          Resource: "*",
          Condition: { StringEquals: { "aws:SourceAccount": accountId } },
        },
      ]),
      // EventBridge encrypts a connection's credentials with a customer-managed key only if the key carries this tag.
      tags: { EventBridgeApiDestinations: "true" },
    });
    new KmsAlias(this, "alias", { name: `alias/${namePrefix}`, targetKeyId: this.key.keyId });
  }
}
