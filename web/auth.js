// Sign-in with the Cognito Hosted UI (or the local runner's stand-in): authorization code with PKCE, no client
// secret. Tokens live in this module's memory only; the PKCE verifier and state survive the redirect in
// sessionStorage (this tab only) and are removed as soon as they are used.
const PENDING = "sign-in";

/** Renewed this long before the access token expires: a WebSocket handshake or a request must not race it. */
export const RENEW_BEFORE_EXPIRY_MS = 5 * 60_000;

/** The user must sign in again: the refresh token was refused (expired, revoked, or the pool's keys changed). */
export class SignedOut extends Error {}

const base64url = (bytes) =>
  btoa(String.fromCharCode(...new Uint8Array(bytes)))
    .replaceAll("+", "-")
    .replaceAll("/", "_")
    .replace(/=+$/, "");
const random = (size) => base64url(crypto.getRandomValues(new Uint8Array(size)));
const redirectUri = () => `${location.origin}${location.pathname}`;
const claimsOf = (jwt) => JSON.parse(atob(jwt.split(".")[1].replaceAll("-", "+").replaceAll("_", "/")));

export async function signIn(auth) {
  const verifier = random(48);
  const state = random(16);
  sessionStorage.setItem(PENDING, JSON.stringify({ verifier, state }));
  const challenge = base64url(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
  const url = new URL("/oauth2/authorize", auth.domainUrl);
  url.search = new URLSearchParams({
    response_type: "code",
    client_id: auth.clientId,
    redirect_uri: redirectUri(),
    scope: auth.scopes.join(" "),
    state,
    code_challenge: challenge,
    code_challenge_method: "S256",
  }).toString();
  location.assign(url.toString());
}

async function tokenRequest(auth, form) {
  const response = await fetch(new URL("/oauth2/token", auth.domainUrl), {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ client_id: auth.clientId, ...form }),
  });
  const tokens = await response.json().catch(() => ({}));
  // invalid_grant: the code or refresh token is spent, expired or revoked; nothing but a new sign-in helps.
  if (response.status === 400) throw new SignedOut(`sign-in needed: ${tokens.error ?? "refused"}`);
  if (!response.ok) throw new Error(`the user pool answered ${response.status}`);
  return tokens;
}

/** The signed-in user's tokens, renewed with the refresh token before they expire. */
export class Session {
  #auth;
  #refreshToken;
  #renewal;

  constructor(auth, tokens) {
    this.#auth = auth;
    this.#refreshToken = tokens.refresh_token;
    this.#accept(tokens);
  }

  #accept(tokens) {
    const claims = claimsOf(tokens.id_token);
    this.accessToken = tokens.access_token;
    const access = claimsOf(tokens.access_token);
    this.expiresAt = access.exp * 1000;
    // When to renew by this machine's clock, from the token's lifetime rather than its expiry: a clock that is
    // ahead of the service's must not make a fresh token look expired.
    this.renewAt = Date.now() + (access.exp - access.iat) * 1000 - RENEW_BEFORE_EXPIRY_MS;
    this.user = claims.email ?? claims["cognito:username"] ?? claims.sub;
  }

  get nearExpiry() {
    return this.expiresAt - Date.now() < RENEW_BEFORE_EXPIRY_MS;
  }

  /** Exchanges the refresh token for new access and ID tokens (one exchange at a time); throws SignedOut. */
  renew() {
    if (!this.#refreshToken) return Promise.reject(new SignedOut("sign-in needed: no refresh token"));
    this.#renewal ??= tokenRequest(this.#auth, {
      grant_type: "refresh_token",
      refresh_token: this.#refreshToken,
    })
      .then((tokens) => this.#accept(tokens))
      .finally(() => {
        this.#renewal = undefined;
      });
    return this.#renewal;
  }

  /** An access token good for a while yet: renewed first when it is expired or about to be. */
  async freshToken() {
    if (this.nearExpiry) await this.renew();
    return this.accessToken;
  }

  /** Revokes the refresh token (and with it the tokens it issued), then ends the Hosted UI session. */
  async signOut() {
    if (this.#refreshToken) {
      await fetch(new URL("/oauth2/revoke", this.#auth.domainUrl), {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ token: this.#refreshToken, client_id: this.#auth.clientId }),
      }).catch(() => undefined);
    }
    endHostedUiSession(this.#auth);
  }
}

export function endHostedUiSession(auth) {
  const url = new URL("/logout", auth.domainUrl);
  url.search = new URLSearchParams({ client_id: auth.clientId, logout_uri: redirectUri() }).toString();
  location.assign(url.toString());
}

/** Completes a sign-in the Hosted UI redirected back with; resolves with the session, or undefined. */
export async function completeSignIn(auth) {
  const params = new URLSearchParams(location.search);
  const code = params.get("code");
  const pending = JSON.parse(sessionStorage.getItem(PENDING) ?? "null");
  sessionStorage.removeItem(PENDING);
  if (!code) return undefined;
  history.replaceState(null, "", redirectUri());
  if (!pending || pending.state !== params.get("state"))
    throw new Error("sign-in answer does not match this tab's request");
  const tokens = await tokenRequest(auth, {
    grant_type: "authorization_code",
    code,
    redirect_uri: redirectUri(),
    code_verifier: pending.verifier,
  });
  return new Session(auth, tokens);
}
