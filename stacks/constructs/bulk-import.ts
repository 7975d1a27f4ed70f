import { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission";
import { S3BucketNotification } from "@cdktf/provider-aws/lib/s3-bucket-notification";
import { Construct } from "constructs";
import type { BundledFunction } from "./bundled-function.ts";
import { PrivateBucket } from "./private-bucket.ts";

export interface BulkImportProps {
  readonly bucketName: string;
  readonly kmsKeyArn: string;
  readonly accountId: string;
  /** Key prefix of uploads (`imports/`) and of results (`results/`). */
  readonly uploadsPrefix: string;
  readonly resultsPrefix: string;
  readonly fileRetentionDays: number;
  readonly resultRetentionDays: number;
}

/**
 * Bulk import's storage: a private bucket where users' uploads and their results expire on their own schedules,
 * and (once the importer exists) the notification that hands every new upload to it.
 */
export class BulkImport extends Construct {
  readonly bucket: PrivateBucket;
  private readonly props: BulkImportProps;

  constructor(scope: Construct, id: string, props: BulkImportProps) {
    super(scope, id);
    this.props = props;
    this.bucket = new PrivateBucket(this, "bucket", {
      bucketName: props.bucketName,
      kmsKeyArn: props.kmsKeyArn,
      expirations: [
        { prefix: props.uploadsPrefix, days: props.fileRetentionDays },
        { prefix: props.resultsPrefix, days: props.resultRetentionDays },
      ],
      // An overwritten upload is gone for good within a day: nothing reads old versions after their import.
      noncurrentVersionDays: 1,
    });
  }

  /**
   * Invokes `importer` (through its alias) for every object created under the uploads prefix. Results are under
   * another prefix, so writing one never starts an import.
   */
  importWith(importer: BundledFunction): void {
    const permission = new LambdaPermission(this, "importer-permission", {
      statementId: "AllowImportsBucket",
      action: "lambda:InvokeFunction",
      functionName: importer.function.functionName,
      qualifier: importer.alias.name,
      principal: "s3.amazonaws.com",
      sourceArn: this.bucket.bucketArn,
      sourceAccount: this.props.accountId,
    });
    new S3BucketNotification(this, "notification", {
      bucket: this.bucket.bucketId,
      lambdaFunction: [
        {
          id: "import-uploads",
          lambdaFunctionArn: importer.alias.arn,
          events: ["s3:ObjectCreated:*"],
          filterPrefix: this.props.uploadsPrefix,
        },
      ],
      // S3 checks that it may invoke the function when the notification is put.
      dependsOn: [permission],
    });
  }
}
