import type { ServiceEstimator } from "../types.ts";
import { apiGateway } from "./api-gateway.ts";
import { cloudwatch } from "./cloudwatch.ts";
import { cognito } from "./cognito.ts";
import { dynamodb } from "./dynamodb.ts";
import { eventbridge } from "./eventbridge.ts";
import { kms } from "./kms.ts";
import { lambda } from "./lambda.ts";
import { s3 } from "./s3.ts";
import { sqs } from "./sqs.ts";
import { waf } from "./waf.ts";
import { xray } from "./xray.ts";

/**
 * Resource types that cost nothing by themselves: identity, policies, aliases of keys, an API's parts (its
 * requests are priced), the account-level settings, and the alarm topic (a few e-mails a month, within SNS's free
 * tier). Anything else in a stack needs an estimator.
 */
export const FREE_RESOURCE_TYPES: readonly string[] = [
  "aws_iam_role",
  "aws_iam_role_policy",
  "aws_kms_alias",
  "aws_lambda_permission",
  "aws_sqs_queue_policy",
  "aws_sqs_queue_redrive_allow_policy",
  "aws_sns_topic",
  "aws_sns_topic_subscription",
  "aws_api_gateway_account",
  "aws_api_gateway_api_key",
  "aws_api_gateway_deployment",
  "aws_api_gateway_gateway_response",
  "aws_api_gateway_integration",
  "aws_api_gateway_integration_response",
  "aws_api_gateway_method",
  "aws_api_gateway_method_response",
  "aws_api_gateway_model",
  "aws_api_gateway_request_validator",
  "aws_api_gateway_resource",
  "aws_api_gateway_usage_plan",
  "aws_api_gateway_usage_plan_key",
  "aws_apigatewayv2_integration",
  "aws_apigatewayv2_route",
  // Lets EventBridge write the audit log group: a permission, not a resource that runs.
  "aws_cloudwatch_log_resource_policy",
];

/** Every service priced, in the order the breakdown lists them. */
export const ESTIMATORS: readonly ServiceEstimator[] = [
  apiGateway,
  sqs,
  lambda,
  dynamodb,
  kms,
  cloudwatch,
  waf,
  xray,
  cognito,
  eventbridge,
  s3,
];
