// Sign-in with the Cognito Hosted UI (or the local runner's stand-in): authorization code with PKCE, no client
// secret. Tokens live in this module's memory only; the PKCE verifier and state survive the redirect in
// sessionStorage (this tab only) and are removed as soon as they are used.
const PENDING = "sign-in";

const base64url = (bytes) =>
  btoa(String.fromCharCode(...new Uint8Array(bytes)))
    .replaceAll("+", "-")
    .replaceAll("/", "_")
    .replace(/=+$/, "");
const random = (size) => base64url(crypto.getRandomValues(new Uint8Array(size)));
const redirectUri = () => `${location.origin}${location.pathname}`;

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

export function signOut(auth) {
  const url = new URL("/logout", auth.domainUrl);
  url.search = new URLSearchParams({ client_id: auth.clientId, logout_uri: redirectUri() }).toString();
  location.assign(url.toString());
}

/** Completes a sign-in the Hosted UI redirected back with; resolves with the tokens, or undefined. */
export async function completeSignIn(auth) {
  const params = new URLSearchParams(location.search);
  const code = params.get("code");
  const pending = JSON.parse(sessionStorage.getItem(PENDING) ?? "null");
  sessionStorage.removeItem(PENDING);
  if (!code) return undefined;
  history.replaceState(null, "", redirectUri());
  if (!pending || pending.state !== params.get("state"))
    throw new Error("sign-in answer does not match this tab's request");
  const response = await fetch(new URL("/oauth2/token", auth.domainUrl), {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      client_id: auth.clientId,
      code,
      redirect_uri: redirectUri(),
      code_verifier: pending.verifier,
    }),
  });
  const tokens = await response.json();
  if (!response.ok) throw new Error(`sign-in failed: ${tokens.error ?? response.status}`);
  const claims = JSON.parse(atob(tokens.id_token.split(".")[1].replaceAll("-", "+").replaceAll("_", "/")));
  return { accessToken: tokens.access_token, user: claims.email ?? claims["cognito:username"] ?? claims.sub };
}
