import { createHash, generateKeyPairSync, type KeyObject, randomBytes, randomUUID, sign } from "node:crypto";
import { CognitoJwtVerifier } from "aws-jwt-verify";
import type { Jwks } from "aws-jwt-verify/jwk";
import type { JwtPayload } from "aws-jwt-verify/jwt-model";
import { resourcesOf, type StackJson } from "../../synthesized/stack-json.ts";

/** An app client of the pool, as the stack declares it. */
export interface LocalAppClient {
  /** Terraform logical id of the `aws_cognito_user_pool_client`. */
  readonly resourceId: string;
  readonly clientId: string;
  /** Present for confidential clients (client credentials). */
  readonly clientSecret?: string;
  readonly flows: readonly string[];
  readonly scopes: readonly string[];
  readonly callbackUrls: readonly string[];
  readonly logoutUrls: readonly string[];
  readonly accessTokenMinutes: number;
  readonly refreshTokenMinutes: number;
}

export interface TokenRequest {
  readonly username: string;
  readonly clientId: string;
  readonly scopes: readonly string[];
}

export interface IssuedTokens {
  readonly access_token: string;
  readonly id_token?: string;
  readonly refresh_token?: string;
  readonly token_type: "Bearer";
  readonly expires_in: number;
}

type Claims = Record<string, unknown>;

/**
 * A Cognito user pool on this machine: its own RSA signing key and JWKS, and tokens with the claims Cognito puts
 * in them (`iss` is the pool's real issuer form, `https://cognito-idp.<region>.amazonaws.com/<pool id>`, so the
 * deployed authorizer code verifies them unchanged). Any username signs in; a user's `sub` is derived from the
 * username, so the same name is the same user across tokens and restarts.
 */
export class LocalUserPool {
  readonly poolId: string;
  readonly issuer: string;
  readonly clients: readonly LocalAppClient[];
  private readonly privateKey: KeyObject;
  private readonly keyId: string;
  private readonly jwk: Record<string, unknown>;
  private readonly verifiers = new Map<string, ReturnType<typeof CognitoJwtVerifier.create>>();

  constructor(region: string, clients: readonly LocalAppClient[]) {
    this.poolId = `${region}_LocalPool`;
    this.issuer = `https://cognito-idp.${region}.amazonaws.com/${this.poolId}`;
    this.clients = clients;
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    this.privateKey = privateKey;
    this.keyId = randomBytes(16).toString("base64url");
    this.jwk = { ...publicKey.export({ format: "jwk" }), kid: this.keyId, alg: "RS256", use: "sig" };
  }

  /** The pool's JWKS, as Cognito serves it at `<issuer>/.well-known/jwks.json`. */
  jwks(): { keys: Array<Record<string, unknown>> } {
    return { keys: [this.jwk] };
  }

  client(clientId: string): LocalAppClient | undefined {
    return this.clients.find((client) => client.clientId === clientId);
  }

  /** The `sub` of a local user: a UUID derived from the pool and the username. */
  subOf(username: string): string {
    const hex = createHash("sha256").update(`${this.poolId}:${username}`).digest("hex");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  }

  /** Access and ID tokens for a user signing in through a client, with the scopes granted. */
  signIn(request: TokenRequest, now = Date.now()): IssuedTokens {
    const client = this.requireClient(request.clientId);
    const lifetime = client.accessTokenMinutes * 60;
    const common = this.timeClaims(now, lifetime);
    const sub = this.subOf(request.username);
    const originJti = randomUUID();
    const access_token = this.sign({
      sub,
      iss: this.issuer,
      client_id: client.clientId,
      origin_jti: originJti,
      event_id: randomUUID(),
      token_use: "access",
      scope: request.scopes.join(" "),
      username: request.username,
      ...common,
    });
    const id_token = this.sign({
      sub,
      aud: client.clientId,
      email_verified: true,
      iss: this.issuer,
      "cognito:username": request.username,
      origin_jti: originJti,
      token_use: "id",
      email: request.username.includes("@") ? request.username : `${request.username}@example.com`,
      ...common,
    });
    return { access_token, id_token, token_type: "Bearer", expires_in: lifetime };
  }

  /** A client-credentials access token: its `sub` is the client itself, as Cognito issues them. */
  clientCredentials(clientId: string, scopes: readonly string[], now = Date.now()): IssuedTokens {
    const client = this.requireClient(clientId);
    const lifetime = client.accessTokenMinutes * 60;
    const access_token = this.sign({
      sub: client.clientId,
      token_use: "access",
      scope: scopes.join(" "),
      iss: this.issuer,
      version: 2,
      client_id: client.clientId,
      ...this.timeClaims(now, lifetime),
    });
    return { access_token, token_type: "Bearer", expires_in: lifetime };
  }

  /** Signs any claims with the pool's key: for tests that need a token Cognito would never issue. */
  sign(claims: Claims, header: Claims = {}): string {
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
    const signingInput = `${encode({ kid: this.keyId, alg: "RS256", ...header })}.${encode(claims)}`;
    const signature = sign("RSA-SHA256", Buffer.from(signingInput), this.privateKey).toString("base64url");
    return `${signingInput}.${signature}`;
  }

  /**
   * What API Gateway's Cognito user-pool authorizer accepts: a token this pool signed, unexpired, from this
   * issuer; with method scopes, an access token carrying one of them (an ID token is refused), without, an ID
   * token of one of the pool's clients. Resolves with the claims, or undefined for a refused token.
   */
  async verifyForRestMethod(token: string, scopes: readonly string[]): Promise<JwtPayload | undefined> {
    const key = scopes.join(" ");
    let verifier = this.verifiers.get(key);
    if (!verifier) {
      verifier =
        scopes.length > 0
          ? CognitoJwtVerifier.create({
              userPoolId: this.poolId,
              tokenUse: "access",
              clientId: null,
              scope: [...scopes],
            })
          : CognitoJwtVerifier.create({
              userPoolId: this.poolId,
              tokenUse: "id",
              clientId: this.clients.map((client) => client.clientId),
            });
      verifier.cacheJwks(this.jwks() as unknown as Jwks, this.poolId);
      this.verifiers.set(key, verifier);
    }
    try {
      return await verifier.verify(token);
    } catch {
      return undefined;
    }
  }

  private requireClient(clientId: string): LocalAppClient {
    const client = this.client(clientId);
    if (!client) throw new Error(`no app client ${clientId} in the local user pool`);
    return client;
  }

  private timeClaims(now: number, lifetimeSeconds: number): Claims {
    const seconds = Math.floor(now / 1000);
    return { auth_time: seconds, iat: seconds, exp: seconds + lifetimeSeconds, jti: randomUUID() };
  }
}

/**
 * The stack's app clients with local ids (26 characters, like Cognito's, derived from the resource's logical
 * id so they stay the same across restarts) and, for confidential clients, a local secret.
 */
export function readAppClients(stack: StackJson): LocalAppClient[] {
  return resourcesOf(stack, "aws_cognito_user_pool_client").map(({ id, values }) => {
    const units = (
      values.token_validity_units as Array<{ access_token?: string; refresh_token?: string }> | undefined
    )?.[0];
    const inMinutes = (validity: number, unit: string | undefined) =>
      unit === "hours" ? validity * 60 : unit === "days" ? validity * 1440 : validity;
    const clientId = createHash("sha256")
      .update(`client:${id}`)
      .digest("base64url")
      .replace(/[-_]/g, "")
      .toLowerCase()
      .slice(0, 26);
    return {
      resourceId: id,
      clientId,
      ...(values.generate_secret === true ? { clientSecret: `local-secret-${clientId}` } : {}),
      flows: (values.allowed_oauth_flows as string[] | undefined) ?? [],
      scopes: (values.allowed_oauth_scopes as string[] | undefined) ?? [],
      callbackUrls: (values.callback_urls as string[] | undefined) ?? [],
      logoutUrls: (values.logout_urls as string[] | undefined) ?? [],
      accessTokenMinutes: inMinutes(Number(values.access_token_validity ?? 60), units?.access_token),
      // Cognito's default refresh token validity is 30 days, and its default unit is days.
      refreshTokenMinutes: inMinutes(
        Number(values.refresh_token_validity ?? 30),
        units?.refresh_token ?? "days",
      ),
    };
  });
}
