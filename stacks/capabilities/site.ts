import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { TerraformResource } from "cdktf";
import type { Construct } from "constructs";
import {
  CLOUDFRONT_CERTIFICATE_REGION,
  type EnvironmentConfig,
} from "../../environments/environment-config.ts";
import type { ApiKeyAccess } from "../constructs/api-key-access.ts";
import { EncryptionKey } from "../constructs/encryption-key.ts";
import type { RestApi } from "../constructs/rest-api.ts";
import { StaticSite } from "../constructs/static-site.ts";
import type { UserDirectory } from "../constructs/user-directory.ts";
import { WebAcl } from "../constructs/web-acl.ts";
import type { WebSocketApi } from "../constructs/websocket-api.ts";
import type { SiteBuild } from "../site-build.ts";
import type { Foundation } from "./foundation.ts";

export interface SiteInputs {
  readonly build: SiteBuild;
  readonly foundation: Foundation;
  readonly restApi: RestApi;
  readonly apiKeyAccess: ApiKeyAccess;
  readonly websocket: WebSocketApi;
  readonly users: UserDirectory;
}

/** The Hosted UI's origin, from the config alone (no resource attribute), so the CSP and the site need no cycle. */
export function hostedUiOrigin(config: EnvironmentConfig): string {
  return `https://${config.identity.hostedUiDomainPrefix}.auth.${config.region}.amazoncognito.com`;
}

/** The site's origin when the config names it (a custom domain); else only the distribution knows it. */
export function configuredSiteOrigin(config: EnvironmentConfig): string | undefined {
  const domain = config.site.customDomain?.domainName;
  return domain ? `https://${domain}` : undefined;
}

/** Puts every resource of `scope` in the provider's region. */
function placeIn(scope: Construct, provider: AwsProvider): void {
  for (const child of scope.node.findAll()) if (child instanceof TerraformResource) child.provider = provider;
}

/**
 * Step 10: the web app on S3 and CloudFront. CloudFront's certificate, web ACL and log delivery live in its own
 * region (us-east-1) whatever the stack's region, through a provider alias; the access logs there get a key of
 * that region. `config.json` carries the stack's own public values: where the API, the WebSocket and the user
 * pool are, and the web client's id.
 */
export function addSite(scope: Construct, config: EnvironmentConfig, inputs: SiteInputs): StaticSite {
  const { foundation, restApi, websocket, users } = inputs;
  const edgeProvider = new AwsProvider(scope, "aws-edge", {
    alias: "edge",
    region: CLOUDFRONT_CERTIFICATE_REGION,
    allowedAccountIds: [config.accountId],
    defaultTags: [{ tags: { ...config.tags } }],
  });
  const edgeKey = new EncryptionKey(scope, "edge-encryption", {
    namePrefix: `${config.namePrefix}-edge`,
    accountId: config.accountId,
    region: CLOUDFRONT_CERTIFICATE_REGION,
    partition: foundation.partition,
    dnsSuffix: foundation.dnsSuffix,
    deletionWindowDays: config.kmsDeletionWindowDays,
  });
  placeIn(edgeKey, edgeProvider);
  const name = `${config.namePrefix}-site`;
  const webAcl = config.site.waf
    ? new WebAcl(scope, "site-web-acl", {
        name,
        scope: "CLOUDFRONT",
        requestsPerFiveMinutesPerIp: config.site.waf.requestsPerFiveMinutesPerIp,
      })
    : undefined;
  if (webAcl) placeIn(webAcl, edgeProvider);
  const apiHost = `${restApi.api.id}.execute-api.${config.region}.${foundation.dnsSuffix}`;
  const websocketHost = `${websocket.api.id}.execute-api.${config.region}.${foundation.dnsSuffix}`;
  return new StaticSite(scope, "site", {
    name,
    bucketName: `${name}-${config.accountId}`,
    build: inputs.build,
    priceClass: config.site.priceClass,
    edgeProvider,
    accessLogs: { kmsKeyArn: edgeKey.key.arn, retentionDays: config.logRetentionDays },
    customDomain: config.site.customDomain,
    webAclArn: webAcl?.webAcl.arn,
    connectOrigins: [
      `https://${apiHost}`,
      `wss://${websocketHost}`,
      hostedUiOrigin(config),
      `https://cognito-idp.${config.region}.${foundation.dnsSuffix}`,
    ],
    clientConfig: {
      region: config.region,
      restUrl: restApi.stage.invokeUrl,
      websocketUrl: websocket.stage.invokeUrl,
      // Meters the client in the usage plan; identity is the user's token. Public by design: every browser sees it.
      apiKey: inputs.apiKeyAccess.apiKey.value,
      userPoolId: users.userPool.id,
      auth: {
        domainUrl: hostedUiOrigin(config),
        clientId: users.webClient.id,
        scopes: users.webClient.allowedOauthScopes,
      },
    },
  });
}
