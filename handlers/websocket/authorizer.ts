import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { CognitoJwtVerifier } from "aws-jwt-verify";
import { SimpleJwksCache } from "aws-jwt-verify/jwk";
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from "aws-lambda";
import { SCOPES } from "../catalogue.ts";
import { ENV, requireEnv } from "../lib/environment.ts";
import { logger, metrics } from "../lib/powertools.ts";
import { cognitoJwksFetcher } from "./jwks-fetcher.ts";

// Once per execution environment: the JWKS is fetched on first use and cached for every later invocation.
const verifier = CognitoJwtVerifier.create(
  {
    userPoolId: requireEnv(ENV.userPoolId),
    tokenUse: "access",
    clientId: requireEnv(ENV.userPoolClientIds).split(","),
    // A socket receives its user's outcomes, list and get results among them: reading them is items/read's to grant.
    scope: [SCOPES.read],
  },
  { jwksCache: new SimpleJwksCache({ fetcher: cognitoJwksFetcher() }) },
);

/**
 * The `$connect` authorizer: verifies the Cognito access token in `?token=` (signature against the pool's
 * JWKS, issuer, expiry and not-before, `token_use`, app client, scope) and allows the connection as the token's
 * `sub`. Anything wrong is denied with a policy, not an exception: API Gateway answers 403 before `$connect`
 * runs, so a refused token never leaves a connection row, and a stranger's junk tokens count as refusals, not
 * as this function's errors (which page someone). The reason is logged, never answered.
 */
export const handler = async (
  event: APIGatewayRequestAuthorizerEvent,
): Promise<APIGatewayAuthorizerResult> => {
  const token = event.queryStringParameters?.token;
  try {
    if (!token) throw new Error("no token in the query string");
    const payload = await verifier.verify(token);
    // The token's expiry travels with the socket: pushes stop, and the socket closes, when the token would.
    return policy(payload.sub, "Allow", event.methodArn, {
      clientId: String(payload.client_id),
      tokenExpiresAt: String(payload.exp),
    });
  } catch (error) {
    logger.warn("WebSocket connection refused", {
      reason: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    });
    metrics.addMetric("ConnectionRefused", MetricUnit.Count, 1);
    metrics.publishStoredMetrics();
    return policy("refused", "Deny", event.methodArn);
  }
};

function policy(
  principalId: string,
  effect: "Allow" | "Deny",
  methodArn: string,
  context?: Record<string, string>,
): APIGatewayAuthorizerResult {
  return {
    principalId,
    policyDocument: {
      Version: "2012-10-17",
      Statement: [{ Action: "execute-api:Invoke", Effect: effect, Resource: methodArn }],
    },
    ...(context ? { context } : {}),
  };
}
