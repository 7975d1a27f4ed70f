import { SimpleFetcher } from "aws-jwt-verify/https";

/**
 * The fetcher of the pool's JWKS. Cognito serves it on the `cognito-idp` host; where
 * `AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER` names another endpoint (the SDK's own variable for that service,
 * which the local runner sets), the JWKS is read there, as every SDK client reads its service there.
 */
export function cognitoJwksFetcher(endpoint = process.env.AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER) {
  const https = new SimpleFetcher();
  if (!endpoint) return https;
  return {
    async fetch(uri: string): Promise<ArrayBuffer> {
      const url = new URL(uri);
      if (!/^cognito-idp\.[a-z0-9-]+\.amazonaws\.com$/.test(url.hostname)) return https.fetch(uri);
      const response = await fetch(new URL(url.pathname, endpoint), { signal: AbortSignal.timeout(3_000) });
      if (!response.ok) throw new Error(`JWKS request to ${endpoint} answered ${response.status}`);
      return response.arrayBuffer();
    },
  };
}
