import { existsSync, mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import {
  outcomeOf,
  type RunningService,
  request,
  startLocalService,
  tokenFor,
} from "../../local/service-client.ts";
import { readSite } from "../../synthesized/site.ts";
import { synthesizedStack } from "../support/synthesized.ts";

// Debian's Chromium, driven by playwright-core (which downloads no browser of its own). .ci/run installs it.
const executablePath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const available = existsSync(executablePath);
if (!available) {
  if (process.env.CI)
    throw new Error(`No Chromium at ${executablePath}: .ci/run installs Debian's chromium package`);
  console.warn(
    `Skipping the browser test: no Chromium at ${executablePath} (apt-get install chromium, or set CHROMIUM_PATH)`,
  );
}

/** Kept by CI as the run's artifacts (.ci/run prints where). */
const SCREENSHOTS = path.join("test-artifacts", "screenshots");
const AXE_SOURCE = readFileSync(path.join("node_modules", "axe-core", "axe.min.js"), "utf8");
const USER = "browser-user";

async function screenshot(page: Page, name: string) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  expect(existsSync(file)).toBe(true);
}

/** axe-core's serious and critical findings on the page as it is now (evaluated, so the page's CSP holds). */
async function seriousViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE_SOURCE);
  const violations = (await page.evaluate(
    "axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(' ')) })))",
  )) as Array<{ id: string; impact: string; nodes: string[] }>;
  return violations
    .filter((violation) => violation.impact === "serious" || violation.impact === "critical")
    .map((violation) => `${violation.id} (${violation.impact}): ${violation.nodes.join(", ")}`);
}

/** Every stage a request log entry shows, in order, as "label · stage". */
async function recordStages(page: Page) {
  await page.evaluate(`
    window.stagesSeen = [];
    new MutationObserver(() => {
      for (const entry of document.querySelectorAll("#requests li")) {
        const text = entry.textContent;
        if (window.stagesSeen.at(-1) !== text && !window.stagesSeen.includes(text)) window.stagesSeen.push(text);
      }
    }).observe(document.getElementById("requests"), { subtree: true, childList: true, characterData: true });
  `);
  return async (label: string) =>
    ((await page.evaluate("window.stagesSeen")) as string[])
      .filter((text) => text.startsWith(`${label} · `))
      .map((text) => text.slice(label.length + 3).replace(/^accepted: .*/, "accepted"));
}

async function signIn(page: Page, service: RunningService) {
  await page.goto(`${service.restUrl}/`);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByLabel("Username").fill(USER);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByText(`signed in as ${USER}@example.com`).waitFor({ timeout: 20_000 });
  await page.getByText("live updates on").waitFor({ timeout: 20_000 });
}

const entry = (page: Page, label: string) =>
  page.locator("#requests li").filter({ hasText: new RegExp(`^${label} · `) });

describe.skipIf(!available)("the web app in Chromium", () => {
  let service: RunningService;
  let browser: Browser;
  beforeAll(async () => {
    service = await startLocalService();
    browser = await chromium.launch({
      executablePath,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
      ],
    });
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    await service?.stop();
  });

  it("serves the built site with the distribution's own headers, its CSP naming the local endpoints", async () => {
    const synthesized = readSite(synthesizedStack("dev"), ".").headers;
    const page = await fetch(`${service.restUrl}/`);
    const served = Object.fromEntries(Object.keys(synthesized).map((name) => [name, page.headers.get(name)]));
    const { "content-security-policy": servedCsp, ...servedRest } = served;
    const { "content-security-policy": synthesizedCsp, ...synthesizedRest } = synthesized;
    expect(servedRest).toEqual(synthesizedRest);
    expect(Object.keys(synthesizedRest).sort()).toEqual([
      "referrer-policy",
      "strict-transport-security",
      "x-content-type-options",
      "x-frame-options",
    ]);
    // The same policy, directive for directive; only the API's, WebSocket's and user pool's origins are local.
    const local = [service.restUrl, service.websocketUrl, service.authUrl];
    // Each directive's last source carries its `;`: kept, so a lost one shows.
    const asOrigin = (token: string, isOrigin: (source: string) => boolean) => {
      const source = token.replace(/;$/, "");
      return `${isOrigin(source) ? "<origin>" : source}${token.endsWith(";") ? ";" : ""}`;
    };
    const asServed = String(servedCsp)
      .split(" ")
      .map((token) => asOrigin(token, (source) => local.includes(source)));
    const asSynthesized = String(synthesizedCsp)
      .split(" ")
      .map((token) => asOrigin(token, (source) => /\$\{|amazoncognito\.com$/.test(source)));
    expect(asServed).toEqual(asSynthesized);
    const html = await page.text();
    const app = /src="\.\/(app\.[0-9a-f]{10}\.js)"/.exec(html)?.[1];
    expect(page.headers.get("cache-control")).toBe("no-cache");
    const asset = await fetch(`${service.restUrl}/${app}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(asset.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect((await fetch(`${service.restUrl}/app.js`)).status).toBe(403);
  });

  it("signs in, creates, edits, deletes and pages through items, shows every outcome, survives a dropped socket and signs out", {
    timeout: 180_000,
  }, async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    // The CSP is enforced: anything it refuses is reported on the console.
    page.on("console", (message) => {
      if (/Content Security Policy/i.test(message.text())) errors.push(message.text());
    });
    const tokenGrants: string[] = [];
    let refreshToken = "";
    page.on("request", (sent) => {
      if (sent.url().endsWith("/oauth2/token"))
        tokenGrants.push(new URLSearchParams(sent.postData() ?? "").get("grant_type") ?? "");
    });
    page.on("response", async (answer) => {
      if (answer.url().endsWith("/oauth2/token") && answer.ok())
        refreshToken ||= ((await answer.json()) as { refresh_token?: string }).refresh_token ?? "";
    });
    const sockets: number[] = [];
    page.on("websocket", () => sockets.push(tokenGrants.length));

    await signIn(page, service);
    expect(new URL(page.url()).search).toBe("");
    expect(await page.evaluate("JSON.stringify({ ...localStorage })")).toBe("{}");
    expect(tokenGrants).toEqual(["authorization_code"]);
    const stagesOf = await recordStages(page);
    await screenshot(page, "01-signed-in");

    // Create: sent, accepted, done, and the new row.
    await page.locator("#create-form").getByLabel("Name").fill("Brass lamp");
    await page.locator("#create-form").getByLabel("Description").fill("created from the browser");
    await page.getByRole("button", { name: "Create" }).click();
    await entry(page, "create Brass lamp").filter({ hasText: "done" }).waitFor({ timeout: 20_000 });
    await page.locator("#items tr", { hasText: "Brass lamp" }).waitFor({ timeout: 20_000 });
    expect(await stagesOf("create Brass lamp")).toEqual(["sent", "accepted", "done"]);
    expect(await page.locator("#announcer").textContent()).toMatch(/Brass lamp|list page 1/);
    expect(await seriousViolations(page)).toEqual([]);

    // Edit in the dialog, with the keyboard: focus returns to the row.
    await page.getByRole("button", { name: "Edit Brass lamp" }).click();
    expect(await page.locator("#edit-dialog").evaluate((dialog) => (dialog as { open: boolean }).open)).toBe(
      true,
    );
    expect(await seriousViolations(page)).toEqual([]);
    await page.locator("#edit-dialog").getByLabel("Name").fill("Polished lamp");
    await page.keyboard.press("Enter");
    await entry(page, "edit Brass lamp").filter({ hasText: "done" }).waitFor({ timeout: 20_000 });
    await page.locator("#items tr", { hasText: "Polished lamp" }).waitFor({ timeout: 20_000 });
    expect(await stagesOf("edit Brass lamp")).toEqual(["sent", "accepted", "done"]);
    await screenshot(page, "02-edited");

    // A failed outcome shows the error's message: the item was deleted elsewhere before this edit.
    const polished = await page.locator("#items tr", { hasText: "Polished lamp" }).getAttribute("data-id");
    const elsewhere = { ...service, token: await tokenFor(service, USER) };
    expect((await request(elsewhere, "DELETE", `/items/${polished}`)).status).toBe(202);
    await page.getByRole("button", { name: "Edit Polished lamp" }).click();
    await page.locator("#edit-dialog").getByLabel("Description").fill("too late");
    await page.getByRole("button", { name: "Save" }).click();
    const failed = entry(page, "edit Polished lamp").filter({ hasText: "failed" });
    await failed.waitFor({ timeout: 20_000 });
    expect(await failed.textContent()).toBe(`edit Polished lamp · failed: item ${polished} does not exist`);

    // Delete from the table: the row goes, the keyboard stays on the table's heading.
    await page.locator("#create-form").getByLabel("Name").fill("Copper kettle");
    await page.getByRole("button", { name: "Create" }).click();
    await page.locator("#items tr", { hasText: "Copper kettle" }).waitFor({ timeout: 20_000 });
    await page.getByRole("button", { name: "Delete Copper kettle" }).click();
    await entry(page, "delete Copper kettle").filter({ hasText: "done" }).waitFor({ timeout: 20_000 });
    await expect.poll(() => page.locator("#items tr", { hasText: "Copper kettle" }).count()).toBe(0);
    expect(await page.evaluate("document.activeElement.id")).toBe("items-heading");

    // Pages, with the API's page token: twelve items are two pages of ten.
    const created = await Promise.all(
      Array.from({ length: 12 }, (_, index) =>
        request(elsewhere, "POST", "/items", { name: `Item ${index + 1}` }),
      ),
    );
    // One at a time: a user may hold five sockets, and the page holds one.
    const outcomes = [];
    for (const { json } of created) outcomes.push(await outcomeOf(elsewhere, String(json.requestId)));
    expect(outcomes.map((outcome) => outcome.status)).toEqual(Array(12).fill("success"));
    await expect
      .poll(
        async () => {
          await page.getByRole("button", { name: "Refresh" }).click();
          await page
            .locator("#requests li")
            .first()
            .filter({ hasText: /done|failed/ })
            .waitFor();
          return (await page.getByRole("button", { name: "Next page" }).isEnabled())
            ? page.locator("#items tr").count()
            : 0;
        },
        { timeout: 20_000, interval: 200 },
      )
      .toBe(10);
    const firstPage = await page.locator("#items th").allTextContents();
    await page.getByRole("button", { name: "Next page" }).click();
    await expect.poll(() => page.locator("#page").textContent()).toBe("Page 2");
    // Created concurrently, so in no promised order: the two pages hold the twelve, each once.
    await expect.poll(() => page.locator("#items tr").count()).toBe(2);
    const bothPages = [...firstPage, ...(await page.locator("#items th").allTextContents())];
    expect(bothPages.sort()).toEqual(Array.from({ length: 12 }, (_, index) => `Item ${index + 1}`).sort());
    expect(await page.getByRole("button", { name: "Next page" }).isDisabled()).toBe(true);
    await screenshot(page, "03-page-2");
    await page.getByRole("button", { name: "Previous page" }).click();
    await expect.poll(() => page.locator("#page").textContent()).toBe("Page 1");
    await expect.poll(() => page.locator("#items tr").count()).toBe(10);

    // The socket drops (as a WebSocket API deployment drops it): reconnects, and an outcome still arrives.
    const socketsBefore = sockets.length;
    const dropped = await fetch(`${service.restUrl}/_local/websocket/drop`, { method: "POST" });
    expect(((await dropped.json()) as { dropped: number }).dropped).toBeGreaterThan(0);
    await page.locator("#create-form").getByLabel("Name").fill("After the drop");
    await page.getByRole("button", { name: "Create" }).click();
    await entry(page, "create After the drop").filter({ hasText: "done" }).waitFor({ timeout: 30_000 });
    await page.getByText("live updates on").waitFor({ timeout: 20_000 });
    expect(sockets.length).toBeGreaterThan(socketsBefore);

    // Near expiry, the token is renewed BEFORE the next handshake: the clock moves on 58 of 60 minutes.
    await page.evaluate("{ const now = Date.now; Date.now = () => now() + 58 * 60_000; }");
    const grantsBefore = tokenGrants.length;
    const socketsBeforeExpiry = sockets.length;
    await fetch(`${service.restUrl}/_local/websocket/drop`, { method: "POST" });
    await expect.poll(() => sockets.length, { timeout: 20_000 }).toBeGreaterThan(socketsBeforeExpiry);
    expect(tokenGrants.slice(grantsBefore)).toEqual(["refresh_token"]);
    // The socket opened after the renewal: the grant count it saw includes the refresh.
    expect(sockets[socketsBeforeExpiry]).toBe(grantsBefore + 1);
    await page.getByText("live updates on").waitFor({ timeout: 20_000 });
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, "04-reconnected");

    // Sign out: the refresh token is revoked, and the Hosted UI's session ended.
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("button", { name: "Sign in" }).waitFor({ timeout: 20_000 });
    expect(await page.locator("#signed-in").isHidden()).toBe(true);
    const reuse = await fetch(`${service.authUrl}/oauth2/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "refresh_token",
        refresh_token: refreshToken,
        client_id: new URL(page.url()).searchParams.get("client_id") ?? (await webClientId(page)),
      }),
    });
    expect(reuse.status).toBe(400);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, "05-signed-out");
    expect(errors).toEqual([]);
  });

  it("stops reconnecting and asks for a new sign-in when the user pool no longer accepts the session", {
    timeout: 180_000,
  }, async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    await signIn(page, service);
    // The runner comes back on the same ports with a new signing key and no memory of the session: the
    // $connect authorizer refuses the token, the REST API too, and the refresh token is unknown.
    const port = (url: string) => new URL(url).port;
    const ports = [service.restUrl, service.websocketUrl, service.authUrl].map(port);
    await service.stop();
    service = await startLocalService([
      "--rest-port",
      String(ports[0]),
      "--ws-port",
      String(ports[1]),
      "--auth-port",
      String(ports[2]),
    ]);
    const sockets: string[] = [];
    page.on("websocket", (socket) => sockets.push(socket.url()));
    await page.getByText(/Signed out: sign in again/).waitFor({ timeout: 90_000 });
    expect(await page.locator("#signed-in").isHidden()).toBe(true);
    expect(await page.evaluate("document.activeElement.id")).toBe("sign-in");
    // Signed out means no more handshakes: none in the time two more backoff steps would take.
    const attempts = sockets.length;
    await page.waitForTimeout(3_000);
    expect(sockets.length).toBe(attempts);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, "06-session-refused");
    expect(errors).toEqual([]);
  });
});

async function webClientId(page: Page): Promise<string> {
  return (
    (await page.evaluate("fetch('config.json').then((r) => r.json())")) as { auth: { clientId: string } }
  ).auth.clientId;
}
