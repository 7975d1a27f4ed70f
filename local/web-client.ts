import { readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { SynthesizedSite } from "../synthesized/site.ts";
import type { LocalEmulation } from "./emulations.ts";

export interface WebClientConfig {
  readonly region: string;
  readonly restUrl: string;
  readonly websocketUrl: string;
  /** Meters the client (usage plans); identity is the user's token. Public by design. */
  readonly apiKey: string;
  readonly userPoolId: string;
  /** Where users sign in: the Hosted UI's base URL (`/oauth2/authorize`, `/oauth2/token`, `/logout`), the app client. */
  readonly auth: {
    readonly domainUrl: string;
    readonly clientId: string;
    readonly scopes: readonly string[];
  };
}

/** The local origins that stand in for the environment's API, WebSocket and user pool in the site's CSP. */
export interface LocalOrigins {
  readonly rest: string;
  readonly websocket: string;
  readonly identity: string;
}

/**
 * The distribution's headers with the CSP's AWS origins replaced by the local ones standing in for them (the
 * REST API, the WebSocket API, the Hosted UI and the user pool's endpoint); every other header as synthesized.
 */
export function localSiteHeaders(headers: Readonly<Record<string, string>>, origins: LocalOrigins) {
  const csp = headers["content-security-policy"];
  if (!csp) return { ...headers };
  // A directive's last source carries the `;` that ends it: it is kept whatever the source becomes.
  const localOf = (source: string) => {
    if (/^https:\/\/\$\{aws_api_gateway_rest_api\./.test(source)) return origins.rest;
    if (/^wss:\/\/\$\{aws_apigatewayv2_api\./.test(source)) return origins.websocket;
    if (/^https:\/\/[a-z0-9-]+\.auth\.[a-z0-9-]+\.amazoncognito\.com$/.test(source)) return origins.identity;
    if (/^https:\/\/cognito-idp\./.test(source)) return origins.identity;
    return source;
  };
  const local = csp
    .split(" ")
    .map((token) => (token.endsWith(";") ? `${localOf(token.slice(0, -1))};` : localOf(token)))
    .join(" ");
  if (local.includes("${"))
    throw new Error(`The site's CSP names an origin the runner does not serve: ${csp}`);
  return { ...headers, "content-security-policy": local };
}

/**
 * CloudFront in front of the site's bucket, on the runner's REST origin: the uploaded files under their
 * (fingerprinted) keys with their content type and cache control, the root object at `/`, a `config.json`
 * pointing at the local endpoints, and the response headers policy's headers on every answer, 403 for a key the
 * bucket does not hold (what S3 answers CloudFront's origin access control for a missing object). Returns whether
 * the request was the site's.
 */
export function serveSite(
  site: SynthesizedSite,
  headers: Readonly<Record<string, string>>,
  config: WebClientConfig,
) {
  return (request: IncomingMessage, response: ServerResponse): boolean => {
    if (request.method !== "GET" && request.method !== "HEAD") return false;
    const pathname = new URL(request.url ?? "/", "http://local").pathname;
    const key = pathname === "/" ? site.rootObject : pathname.slice(1);
    if (key === "config.json") {
      response.writeHead(200, {
        ...headers,
        "content-type": "application/json",
        "cache-control": "no-cache",
      });
      response.end(request.method === "HEAD" ? undefined : JSON.stringify(config));
      return true;
    }
    const file = site.files.get(key);
    if (!file) {
      if (!/^[\w.-]+\.(html|js|css)$/.test(key)) return false;
      response.writeHead(403, { ...headers, "content-type": "application/xml" });
      response.end("<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>");
      return true;
    }
    response.writeHead(200, {
      ...headers,
      "content-type": file.contentType,
      "cache-control": file.cacheControl,
    });
    response.end(request.method === "HEAD" ? undefined : readFileSync(file.path));
    return true;
  };
}

/** CloudFront, ACM and Route 53 for the runner: the site is served on the REST origin; the rest is the cloud's. */
export const siteEmulation: LocalEmulation = {
  service: "CloudFront (site)",
  references: {},
  alsoServes: [
    "aws_cloudfront_distribution",
    "aws_cloudfront_cache_policy",
    "aws_cloudfront_origin_access_control",
    "aws_cloudfront_response_headers_policy",
    "aws_s3_object",
    "aws_cloudwatch_log_delivery",
    "aws_cloudwatch_log_delivery_destination",
    "aws_cloudwatch_log_delivery_source",
    "aws_acm_certificate",
    "aws_acm_certificate_validation",
    "aws_route53_record",
  ],
};
