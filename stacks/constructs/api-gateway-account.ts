import { ApiGatewayAccount } from "@cdktf/provider-aws/lib/api-gateway-account";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { Construct } from "constructs";
import { allow, assumeRolePolicy, policyDocument } from "../iam.ts";

export interface ApiGatewayAccountLoggingProps {
  readonly roleName: string;
  readonly accountId: string;
  readonly region: string;
  readonly partition: string;
}

/**
 * API Gateway's account-wide CloudWatch role, without which no stage may write access logs. It is a
 * singleton per account and region, so exactly one stack per account and region owns it (see the
 * environment config's `ownsApiGatewayAccountSettings`).
 */
export class ApiGatewayAccountLogging extends Construct {
  /** The account setting itself: stages that write logs depend on it. */
  readonly settings: ApiGatewayAccount;

  constructor(scope: Construct, id: string, props: ApiGatewayAccountLoggingProps) {
    super(scope, id);
    const role = new IamRole(this, "role", {
      name: props.roleName,
      assumeRolePolicy: assumeRolePolicy("apigateway.amazonaws.com", props.accountId),
    });
    // The inline equivalent of AmazonAPIGatewayPushToCloudWatchLogs, limited to this account and region.
    new IamRolePolicy(this, "policy", {
      name: "push-to-cloudwatch-logs",
      role: role.id,
      policy: policyDocument([
        allow(
          "WriteApiGatewayLogs",
          [
            "logs:CreateLogGroup",
            "logs:CreateLogStream",
            "logs:DescribeLogGroups",
            "logs:DescribeLogStreams",
            "logs:FilterLogEvents",
            "logs:GetLogEvents",
            "logs:PutLogEvents",
          ],
          [`arn:${props.partition}:logs:${props.region}:${props.accountId}:log-group:*`],
        ),
      ]),
    });
    this.settings = new ApiGatewayAccount(this, "settings", { cloudwatchRoleArn: role.arn });
  }
}
