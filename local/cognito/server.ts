import { createHash, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { LocalEmulation } from "../emulations.ts";
import { listenLocally } from "../listen.ts";
import type { LocalAppClient, LocalUserPool } from "./user-pool.ts";

export interface LocalIdentityServer {
  /** `http://127.0.0.1:<port>`: the Hosted UI, the token endpoint and the JWKS (AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER). */
  readonly url: string;
  close(): Promise<void>;
}

interface PendingCode {
  readonly clientId: string;
  readonly redirectUri: string;
  readonly username: string;
  readonly scopes: readonly string[];
  readonly codeChallenge: string;
  readonly expiresAt: number;
}

interface IssuedRefreshToken {
  readonly clientId: string;
  readonly username: string;
  readonly scopes: readonly string[];
  readonly expiresAt: number;
}

/** Cognito's authorization codes are single-use and short-lived. */
const CODE_LIFETIME_MS = 5 * 60_000;

/**
 * Cognito's endpoints for one local pool: the JWKS at `/<pool id>/.well-known/jwks.json`, the Hosted UI's
 * `/oauth2/authorize` (a sign-in page where any username works), `/oauth2/token` (authorization code with PKCE,
 * and client credentials with the client's secret) and `/logout`, with Cognito's error answers. Plus
 * `POST /_local/token`, which `npm run local -- token <username>` calls for an access token.
 *
 * `extraRedirectUris` are accepted besides each client's callback and logout URLs: the runner's own web client,
 * wherever it was told to listen.
 */
export async function startIdentityServer(
  pool: LocalUserPool,
  port: number,
  extraRedirectUris: readonly string[],
): Promise<LocalIdentityServer> {
  const codes = new Map<string, PendingCode>();
  // Opaque, as Cognito's are; they live as long as the client's refresh token validity, or until revoked.
  const refreshTokens = new Map<string, IssuedRefreshToken>();
  const redirectAllowed = (client: LocalAppClient, uri: string, kind: "callback" | "logout") =>
    (kind === "callback" ? client.callbackUrls : client.logoutUrls).includes(uri) ||
    extraRedirectUris.includes(uri);

  const server: Server = createServer(async (request, response) => {
    const url = new URL(request.url ?? "/", "http://local");
    const body = request.method === "POST" ? await readBody(request) : "";
    try {
      if (request.method === "OPTIONS") return cors(response).writeHead(204).end();
      if (url.pathname === `/${pool.poolId}/.well-known/jwks.json`) return json(response, 200, pool.jwks());
      if (url.pathname === `/${pool.poolId}/.well-known/openid-configuration`) {
        return json(response, 200, {
          issuer: pool.issuer,
          jwks_uri: `${pool.issuer}/.well-known/jwks.json`,
          authorization_endpoint: "/oauth2/authorize",
          token_endpoint: "/oauth2/token",
        });
      }
      if (url.pathname === "/oauth2/authorize" || url.pathname === "/login") {
        return authorize(url, request.method === "POST" ? new URLSearchParams(body) : undefined, response);
      }
      if (url.pathname === "/oauth2/token" && request.method === "POST")
        return token(request, body, response);
      if (url.pathname === "/oauth2/revoke" && request.method === "POST") return revoke(body, response);
      if (url.pathname === "/logout") {
        const client = pool.client(url.searchParams.get("client_id") ?? "");
        const target = url.searchParams.get("logout_uri") ?? "";
        if (!client || !redirectAllowed(client, target, "logout"))
          return page(response, 400, "Invalid logout_uri");
        return response.writeHead(302, { location: target }).end();
      }
      if (url.pathname === "/_local/token" && request.method === "POST") return localToken(body, response);
      json(response, 404, { error: "not_found" });
    } catch (error) {
      json(response, 500, { error: "server_error", error_description: (error as Error).message });
    }
  });

  function authorize(url: URL, form: URLSearchParams | undefined, response: ServerResponse) {
    const params = form ?? url.searchParams;
    const client = pool.client(params.get("client_id") ?? "");
    const redirectUri = params.get("redirect_uri") ?? "";
    if (!client) return page(response, 400, "Invalid client_id");
    if (!redirectAllowed(client, redirectUri, "callback")) return page(response, 400, "redirect_mismatch");
    if (!client.flows.includes("code") || params.get("response_type") !== "code")
      return page(response, 400, "unauthorized_client: this client may only use response_type=code");
    const challenge = params.get("code_challenge") ?? "";
    if (params.get("code_challenge_method") !== "S256" || challenge.length < 43)
      return page(response, 400, "invalid_request: PKCE with code_challenge_method=S256 is required");
    const requested = (params.get("scope") ?? client.scopes.join(" ")).split(" ").filter(Boolean);
    const refused = requested.filter((scope) => !client.scopes.includes(scope));
    if (refused.length > 0) return page(response, 400, `invalid_scope: ${refused.join(" ")}`);
    const username = form?.get("username")?.trim();
    if (!form || !username) return signInPage(response, params);
    const code = randomBytes(24).toString("base64url");
    codes.set(code, {
      clientId: client.clientId,
      redirectUri,
      username,
      scopes: requested,
      codeChallenge: challenge,
      expiresAt: Date.now() + CODE_LIFETIME_MS,
    });
    const target = new URL(redirectUri);
    target.searchParams.set("code", code);
    const state = params.get("state");
    if (state) target.searchParams.set("state", state);
    response.writeHead(302, { location: target.toString() }).end();
  }

  function token(request: IncomingMessage, body: string, response: ServerResponse) {
    cors(response);
    const form = new URLSearchParams(body);
    const basic = /^Basic (.+)$/.exec(request.headers.authorization ?? "")?.[1];
    const [basicId, basicSecret] = basic ? Buffer.from(basic, "base64").toString().split(":") : [];
    const clientId = basicId ?? form.get("client_id") ?? "";
    const client = pool.client(clientId);
    if (!client) return json(response, 400, { error: "invalid_client" });
    if (client.clientSecret && (basicSecret ?? form.get("client_secret")) !== client.clientSecret)
      return json(response, 400, { error: "invalid_client" });
    const grant = form.get("grant_type");
    if (grant === "client_credentials") {
      if (!client.flows.includes("client_credentials"))
        return json(response, 400, { error: "unauthorized_client" });
      const scopes = (form.get("scope") ?? client.scopes.join(" ")).split(" ").filter(Boolean);
      if (scopes.some((scope) => !client.scopes.includes(scope)))
        return json(response, 400, { error: "invalid_scope" });
      return json(response, 200, pool.clientCredentials(client.clientId, scopes));
    }
    if (grant === "refresh_token") {
      const issued = refreshTokens.get(form.get("refresh_token") ?? "");
      if (!issued || issued.expiresAt < Date.now() || issued.clientId !== client.clientId)
        return json(response, 400, { error: "invalid_grant" });
      // Without rotation Cognito answers new access and ID tokens, and no new refresh token.
      return json(response, 200, pool.signIn(issued));
    }
    if (grant !== "authorization_code") return json(response, 400, { error: "unsupported_grant_type" });
    const code = codes.get(form.get("code") ?? "");
    codes.delete(form.get("code") ?? "");
    const verifier = form.get("code_verifier") ?? "";
    const challenge = createHash("sha256").update(verifier).digest("base64url");
    if (
      !code ||
      code.expiresAt < Date.now() ||
      code.clientId !== client.clientId ||
      code.redirectUri !== form.get("redirect_uri") ||
      code.codeChallenge !== challenge
    ) {
      return json(response, 400, { error: "invalid_grant" });
    }
    const refreshToken = randomBytes(48).toString("base64url");
    refreshTokens.set(refreshToken, {
      clientId: client.clientId,
      username: code.username,
      scopes: code.scopes,
      expiresAt: Date.now() + client.refreshTokenMinutes * 60_000,
    });
    json(response, 200, {
      ...pool.signIn({ username: code.username, clientId: client.clientId, scopes: code.scopes }),
      refresh_token: refreshToken,
    });
  }

  /** Cognito's revocation endpoint: 200 for any token of the client (even an unknown one), 400 for a bad client. */
  function revoke(body: string, response: ServerResponse) {
    cors(response);
    const form = new URLSearchParams(body);
    const token = form.get("token");
    if (!token) return json(response, 400, { error: "invalid_request" });
    const client = pool.client(form.get("client_id") ?? "");
    if (!client || client.clientSecret) return json(response, 400, { error: "invalid_client" });
    if (refreshTokens.get(token)?.clientId === client.clientId) refreshTokens.delete(token);
    response.writeHead(200).end();
  }

  function localToken(body: string, response: ServerResponse) {
    const { username, scopes } = JSON.parse(body || "{}") as { username?: string; scopes?: string[] };
    const web = pool.clients.find((client) => client.flows.includes("code"));
    if (!username) return json(response, 400, { error: "username is required" });
    if (!web) return json(response, 500, { error: "the stack declares no web client" });
    const granted = scopes && scopes.length > 0 ? scopes : web.scopes.filter((scope) => scope.includes("/"));
    const refused = granted.filter((scope) => !web.scopes.includes(scope));
    if (refused.length > 0)
      return json(response, 400, {
        error: `not a scope of the web client: ${refused.join(", ")}; it has ${web.scopes.join(", ")}`,
      });
    json(response, 200, {
      ...pool.signIn({ username, clientId: web.clientId, scopes: granted }),
      sub: pool.subOf(username),
    });
  }

  const bound = await listenLocally(server, port, "the local user pool", "--auth-port");
  return {
    url: `http://127.0.0.1:${bound}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Cognito for the runner: the pool and its clients under local ids, and their issuer. */
export function cognitoEmulation(pool: LocalUserPool): LocalEmulation {
  return {
    service: "Cognito user pools",
    references: {
      aws_cognito_user_pool: (_resource, attribute) => {
        if (attribute === "id") return pool.poolId;
        if (attribute === "endpoint") return pool.issuer.replace("https://", "");
        return undefined;
      },
      aws_cognito_user_pool_client: (client, attribute) =>
        attribute === "id"
          ? pool.clients.find((candidate) => candidate.resourceId === client.id)?.clientId
          : undefined,
    },
    alsoServes: ["aws_cognito_user_pool_domain", "aws_cognito_resource_server"],
  };
}

function cors(response: ServerResponse): ServerResponse {
  response.setHeader("access-control-allow-origin", "*");
  response.setHeader("access-control-allow-headers", "content-type, authorization");
  response.setHeader("access-control-allow-methods", "POST, OPTIONS");
  return response;
}

function json(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
  response.end(JSON.stringify(body));
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);

function page(response: ServerResponse, status: number, message: string): void {
  response.writeHead(status, { "content-type": "text/html; charset=utf-8" });
  response.end(`<!doctype html><title>Sign-in error</title><p role="alert">${escapeHtml(message)}</p>`);
}

/** The Hosted UI's sign-in form, locally: any username signs in, and the OAuth parameters ride along hidden. */
function signInPage(response: ServerResponse, params: URLSearchParams): void {
  const hidden = [...params]
    .filter(([name]) => name !== "username")
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join("");
  response.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
  response.end(
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign in (local user pool)</title></head>` +
      `<body><main><h1>Sign in</h1><p>Local user pool: any username signs in.</p>` +
      `<form method="post" action="/login">${hidden}<label>Username <input name="username" autocomplete="username" required autofocus></label>` +
      ` <button type="submit">Sign in</button></form></main></body></html>`,
  );
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}
