import { readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import path from "node:path";

const FILES: Record<string, { file: string; type: string }> = {
  "/": { file: "index.html", type: "text/html; charset=utf-8" },
  "/index.html": { file: "index.html", type: "text/html; charset=utf-8" },
  "/app.js": { file: "app.js", type: "text/javascript; charset=utf-8" },
  "/auth.js": { file: "auth.js", type: "text/javascript; charset=utf-8" },
  "/live.js": { file: "live.js", type: "text/javascript; charset=utf-8" },
  "/styles.css": { file: "styles.css", type: "text/css; charset=utf-8" },
};

export interface WebClientConfig {
  readonly restUrl: string;
  readonly websocketUrl: string;
  /** Meters the client (usage plans); identity is the user's token. Public by design. */
  readonly apiKey: string;
  /** Where users sign in: the Hosted UI's base URL (`/oauth2/authorize`, `/oauth2/token`, `/logout`), the app client. */
  readonly auth: {
    readonly domainUrl: string;
    readonly clientId: string;
    readonly scopes: readonly string[];
  };
}

/**
 * Serves the static web client (`web/`) and the `config.json` it reads, the one file a static host would
 * be given per environment. Returns whether the request was one of these.
 */
export function serveWebClient(
  request: IncomingMessage,
  response: ServerResponse,
  config: WebClientConfig,
): boolean {
  if (request.method !== "GET") return false;
  const pathname = new URL(request.url ?? "/", "http://local").pathname;
  if (pathname === "/config.json") {
    response.writeHead(200, { "content-type": "application/json", "cache-control": "no-store" });
    response.end(JSON.stringify(config));
    return true;
  }
  const entry = FILES[pathname];
  if (!entry) return false;
  response.writeHead(200, { "content-type": entry.type, "cache-control": "no-cache" });
  response.end(readFileSync(path.join(process.cwd(), "web", entry.file)));
  return true;
}
