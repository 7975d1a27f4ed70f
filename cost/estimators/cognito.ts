import { resourcesOf } from "../../synthesized/stack-json.ts";
import type { ServiceEstimator } from "../types.ts";

/**
 * User pools by their monthly active users (the traffic's users, above the free tier the pool's tier includes),
 * machine clients by the month and by token request. The Hosted UI domain, the resource server and the
 * authorizers cost nothing of their own: API Gateway's user-pool authorizer is free, and the WebSocket
 * authorizer is a Lambda function, priced with the others.
 */
export const cognito: ServiceEstimator = {
  service: "Cognito",
  prices: [
    "aws_cognito_user_pool",
    "aws_cognito_user_pool_client",
    "aws_cognito_user_pool_domain",
    "aws_cognito_resource_server",
    "aws_api_gateway_authorizer",
    "aws_apigatewayv2_authorizer",
  ],
  estimate: (context) => {
    const pools = resourcesOf(context.stack, "aws_cognito_user_pool").length;
    if (pools === 0) return [];
    const { identity } = context.traffic;
    const users = context.requests / identity.requestsPerActiveUser;
    const machineClients = resourcesOf(context.stack, "aws_cognito_user_pool_client").filter((client) =>
      ((client.values.allowed_oauth_flows as string[] | undefined) ?? []).includes("client_credentials"),
    ).length;
    return [
      {
        item: `monthly active users above the ${identity.freeActiveUsers} free`,
        quantity: Math.max(0, users - identity.freeActiveUsers),
        priceKey: "cognito.mau",
        fixed: false,
      },
      {
        item: "machine-to-machine app clients",
        quantity: machineClients,
        priceKey: "cognito.m2m-clients",
        fixed: true,
      },
      {
        item: "machine-to-machine token requests",
        quantity: machineClients * identity.machineTokensPerClientPerMonth,
        priceKey: "cognito.m2m-tokens",
        fixed: true,
      },
    ];
  },
};
