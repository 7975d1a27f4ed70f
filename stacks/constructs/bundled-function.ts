import { DataArchiveFile } from "@cdktf/provider-archive/lib/data-archive-file";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { LambdaAlias } from "@cdktf/provider-aws/lib/lambda-alias";
import { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
import { LambdaProvisionedConcurrencyConfig } from "@cdktf/provider-aws/lib/lambda-provisioned-concurrency-config";
import { AssetType, TerraformAsset } from "cdktf";
import { Construct } from "constructs";
import { ARCHIVE_FILE_MODE, FUNCTION_ALIAS, LAMBDA_DEFAULTS, XRAY_WRITE_ACTIONS } from "../defaults.ts";
import { allow, assumeRolePolicy, type PolicyStatement, policyDocument } from "../iam.ts";

export interface BundledFunctionProps {
  readonly functionName: string;
  /** The account the function runs in: only its Lambda service may assume the function's role. */
  readonly accountId: string;
  /** Folder holding the function's `index.mjs`, produced by `bundleHandlers` before synthesis. */
  readonly bundleDirectory: string;
  /** What the function's own code does, beyond writing its logs and traces. */
  readonly permissions: readonly PolicyStatement[];
  readonly kmsKeyArn: string;
  readonly logRetentionDays: number;
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
  /** @default unreserved */
  readonly reservedConcurrency?: number;
  /** Execution environments kept initialised on the alias. @default none */
  readonly provisionedConcurrency?: number;
  /** @default none */
  readonly environment?: Readonly<Record<string, string>>;
}

/**
 * A Lambda function from a pre-built bundle: the bundle folder is copied into the stack's assets,
 * zipped by `archive_file` with a fixed file mode, and deployed with the archive's hash, so an
 * unchanged handler never shows up in a plan. The function gets its own role, whose inline policy is
 * `permissions` plus writing to its own log group and to X-Ray. Every deploy that changes it publishes a
 * version, and the `live` alias (what every invoker names) moves to it, carrying any provisioned concurrency.
 */
export class BundledFunction extends Construct {
  readonly function: LambdaFunction;
  /** What invokers name: mappings, integrations and permissions target the alias, not the function. */
  readonly alias: LambdaAlias;
  readonly role: IamRole;
  readonly logGroup: CloudwatchLogGroup;
  /** The physical name, for alarms and dashboards. */
  readonly functionName: string;

  constructor(scope: Construct, id: string, props: BundledFunctionProps) {
    super(scope, id);
    this.functionName = props.functionName;
    const asset = new TerraformAsset(this, "bundle", {
      path: props.bundleDirectory,
      type: AssetType.DIRECTORY,
    });
    const archive = new DataArchiveFile(this, "archive", {
      type: "zip",
      sourceDir: asset.path,
      outputPath: `${asset.path}.zip`,
      outputFileMode: ARCHIVE_FILE_MODE,
    });

    this.logGroup = new CloudwatchLogGroup(this, "logs", {
      name: `/aws/lambda/${props.functionName}`,
      retentionInDays: props.logRetentionDays,
      kmsKeyId: props.kmsKeyArn,
    });

    this.role = new IamRole(this, "role", {
      name: props.functionName,
      assumeRolePolicy: assumeRolePolicy("lambda.amazonaws.com", props.accountId),
    });
    new IamRolePolicy(this, "policy", {
      name: "least-privilege",
      role: this.role.id,
      policy: policyDocument([
        allow("WriteOwnLogs", ["logs:CreateLogStream", "logs:PutLogEvents"], [`${this.logGroup.arn}:*`]),
        allow("WriteTraces", XRAY_WRITE_ACTIONS, ["*"]),
        ...props.permissions,
      ]),
    });

    this.function = new LambdaFunction(this, "function", {
      functionName: props.functionName,
      role: this.role.arn,
      runtime: LAMBDA_DEFAULTS.runtime,
      architectures: [LAMBDA_DEFAULTS.architecture],
      handler: LAMBDA_DEFAULTS.handler,
      filename: archive.outputPath,
      sourceCodeHash: archive.outputBase64Sha256,
      memorySize: props.memoryMb,
      timeout: props.timeoutSeconds,
      reservedConcurrentExecutions: props.reservedConcurrency,
      tracingConfig: { mode: LAMBDA_DEFAULTS.tracingMode },
      loggingConfig: {
        logFormat: LAMBDA_DEFAULTS.logFormat,
        logGroup: this.logGroup.name,
        applicationLogLevel: LAMBDA_DEFAULTS.applicationLogLevel,
        systemLogLevel: LAMBDA_DEFAULTS.systemLogLevel,
      },
      environment: props.environment ? { variables: { ...props.environment } } : undefined,
      publish: true,
    });
    this.alias = new LambdaAlias(this, "alias", {
      name: FUNCTION_ALIAS,
      functionName: this.function.functionName,
      functionVersion: this.function.version,
    });
    if (props.provisionedConcurrency !== undefined) {
      new LambdaProvisionedConcurrencyConfig(this, "provisioned-concurrency", {
        functionName: this.function.functionName,
        qualifier: this.alias.name,
        provisionedConcurrentExecutions: props.provisionedConcurrency,
      });
    }
  }
}
