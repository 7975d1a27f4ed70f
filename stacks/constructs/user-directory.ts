import { CognitoResourceServer } from "@cdktf/provider-aws/lib/cognito-resource-server";
import { CognitoUserPool } from "@cdktf/provider-aws/lib/cognito-user-pool";
import { CognitoUserPoolClient } from "@cdktf/provider-aws/lib/cognito-user-pool-client";
import { CognitoUserPoolDomain } from "@cdktf/provider-aws/lib/cognito-user-pool-domain";
import { Construct } from "constructs";
import type { IdentitySettings } from "../../environments/environment-config.ts";

/** The environment's identity settings, and what the service adds: the pool's name and the API's scopes. */
export interface UserDirectoryProps extends Omit<IdentitySettings, "machineClient"> {
  readonly poolName: string;
  /** The OAuth resource server (the API) and its scope names, e.g. `items` with `read` and `write`. */
  readonly resourceServer: { readonly identifier: string; readonly scopes: readonly string[] };
  /** Full scope names (`items/read`) granted to a confidential service-to-service client. @default no such client */
  readonly machineClientScopes?: readonly string[];
}

/** Refresh tokens outlive access tokens so a signed-in tab renews without a new sign-in; a day bounds a stolen one. */
const REFRESH_TOKEN_VALIDITY_HOURS = 24;

/**
 * The environment's users: a Cognito user pool (sign-in by e-mail, TOTP MFA, a password policy), its Hosted
 * UI domain, the API as an OAuth resource server with its scopes, a public web client (authorization code with
 * PKCE, no secret) and optionally a confidential machine client (client credentials).
 */
export class UserDirectory extends Construct {
  readonly userPool: CognitoUserPool;
  readonly webClient: CognitoUserPoolClient;
  readonly machineClient?: CognitoUserPoolClient;
  readonly domain: CognitoUserPoolDomain;
  /** The tokens' `iss`: `https://cognito-idp.<region>.amazonaws.com/<pool id>`. */
  readonly issuer: string;
  private readonly extraRedirects: string[] = [];

  constructor(
    scope: Construct,
    id: string,
    private readonly props: UserDirectoryProps,
  ) {
    super(scope, id);
    this.userPool = new CognitoUserPool(this, "pool", {
      name: props.poolName,
      usernameAttributes: ["email"],
      autoVerifiedAttributes: ["email"],
      mfaConfiguration: props.mfa === "REQUIRED" ? "ON" : "OPTIONAL",
      softwareTokenMfaConfiguration: { enabled: true },
      passwordPolicy: {
        minimumLength: props.passwordMinimumLength,
        requireLowercase: true,
        requireUppercase: true,
        requireNumbers: true,
        requireSymbols: true,
        temporaryPasswordValidityDays: 3,
      },
      adminCreateUserConfig: { allowAdminCreateUserOnly: !props.selfSignUp },
      accountRecoverySetting: { recoveryMechanism: [{ name: "verified_email", priority: 1 }] },
      deletionProtection: props.deletionProtection ? "ACTIVE" : "INACTIVE",
    });
    this.issuer = `https://${this.userPool.endpoint}`;
    this.domain = new CognitoUserPoolDomain(this, "domain", {
      domain: props.hostedUiDomainPrefix,
      userPoolId: this.userPool.id,
    });
    const resourceServer = new CognitoResourceServer(this, "resource-server", {
      userPoolId: this.userPool.id,
      identifier: props.resourceServer.identifier,
      name: props.resourceServer.identifier,
      scope: props.resourceServer.scopes.map((scopeName) => ({
        scopeName,
        scopeDescription: `${scopeName} ${props.resourceServer.identifier}`,
      })),
    });
    const apiScopes = props.resourceServer.scopes.map((name) => `${props.resourceServer.identifier}/${name}`);
    this.webClient = new CognitoUserPoolClient(this, "web-client", {
      ...this.clientDefaults(props),
      name: `${props.poolName}-web`,
      generateSecret: false,
      allowedOauthFlows: ["code"],
      allowedOauthScopes: ["openid", "email", ...apiScopes],
      callbackUrls: [...props.webClient.callbackUrls],
      logoutUrls: [...props.webClient.logoutUrls],
      // Sign-in happens in the Hosted UI only: no password ever reaches this client's own code.
      explicitAuthFlows: ["ALLOW_REFRESH_TOKEN_AUTH"],
      dependsOn: [resourceServer],
    });
    if (props.machineClientScopes) {
      this.machineClient = new CognitoUserPoolClient(this, "machine-client", {
        ...this.clientDefaults(props),
        name: `${props.poolName}-machine`,
        generateSecret: true,
        allowedOauthFlows: ["client_credentials"],
        allowedOauthScopes: [...props.machineClientScopes],
        explicitAuthFlows: ["ALLOW_REFRESH_TOKEN_AUTH"],
        dependsOn: [resourceServer],
      });
    }
  }

  private clientDefaults(props: UserDirectoryProps) {
    return {
      userPoolId: this.userPool.id,
      allowedOauthFlowsUserPoolClient: true,
      supportedIdentityProviders: ["COGNITO"],
      preventUserExistenceErrors: "ENABLED",
      enableTokenRevocation: true,
      accessTokenValidity: props.tokenValidityMinutes,
      idTokenValidity: props.tokenValidityMinutes,
      refreshTokenValidity: REFRESH_TOKEN_VALIDITY_HOURS,
      tokenValidityUnits: [{ accessToken: "minutes", idToken: "minutes", refreshToken: "hours" }],
    };
  }

  /** Adds a URL the Hosted UI may send the web client's users back to, after sign-in and after sign-out. */
  allowRedirectsTo(url: string): void {
    this.webClient.callbackUrls = [...this.props.webClient.callbackUrls, ...this.extraRedirects, url];
    this.webClient.logoutUrls = [...this.props.webClient.logoutUrls, ...this.extraRedirects, url];
    this.extraRedirects.push(url);
  }

  /** Every app client id: the audience an authorizer accepts. */
  clientIds(): string[] {
    return [this.webClient.id, ...(this.machineClient ? [this.machineClient.id] : [])];
  }
}
