import { createHmac, createPublicKey, type JsonWebKey, randomUUID } from "node:crypto";
import { LocalUserPool } from "../../local/cognito/user-pool.ts";

const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
const decode = (part: string) =>
  JSON.parse(Buffer.from(part, "base64url").toString("utf8")) as Record<string, unknown>;

/**
 * Tokens an attacker could present, each wrong in exactly one way, derived from a valid access token of `pool`
 * for `clientId`: every authorizer of this service must refuse all of them.
 */
export function hostileTokens(
  pool: LocalUserPool,
  clientId: string,
  username = "mallory",
): Record<string, string> {
  const valid = pool.signIn({ username, clientId, scopes: ["openid", "items/read", "items/write"] });
  const [header, payload, signature] = valid.access_token.split(".") as [string, string, string];
  const claims = decode(payload);
  const now = Math.floor(Date.now() / 1000);
  const resign = (changes: Record<string, unknown>) => pool.sign({ ...claims, ...changes });
  const otherPool = new LocalUserPool("eu-west-1", [
    { ...pool.clients[0], clientId: "other-pool-client" } as never,
  ]);
  const publicKeyPem = createPublicKeyPem(pool);
  const hmacHeader = encode({ ...decode(header), alg: "HS256" });
  const hmacInput = `${hmacHeader}.${payload}`;
  return {
    expired: resign({ iat: now - 7200, auth_time: now - 7200, exp: now - 3600 }),
    "not yet valid": resign({ nbf: now + 3600 }),
    "wrong issuer": resign({ iss: "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Attacker" }),
    "another pool's client": otherPool.signIn({
      username,
      clientId: "other-pool-client",
      scopes: ["items/read"],
    }).access_token,
    "an ID token where an access token is required": String(valid.id_token),
    "alg none": `${encode({ alg: "none", typ: "JWT" })}.${payload}.`,
    "HS256 signed with the public key": `${hmacInput}.${createHmac("sha256", publicKeyPem).update(hmacInput).digest("base64url")}`,
    "tampered payload": `${header}.${encode({ ...claims, sub: randomUUID() })}.${signature}`,
    "unknown kid": pool.sign(claims, { kid: "not-a-key-of-this-pool" }),
    "no scope of this API": pool.signIn({ username, clientId, scopes: ["openid", "email"] }).access_token,
  };
}

/** The pool's public key as PEM text: what an HS256 key-confusion attack uses as the HMAC secret. */
function createPublicKeyPem(pool: LocalUserPool): string {
  const [jwk] = pool.jwks().keys;
  return String(
    createPublicKey({ key: jwk as JsonWebKey, format: "jwk" }).export({ type: "spki", format: "pem" }),
  );
}
