import { existsSync, mkdirSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";
import { type RunningService, startLocalService } from "../../local/service-client.ts";

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

describe.skipIf(!available)("the web client in Chromium", () => {
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

  it("signs in through the user pool, creates an item and shows its notification and the refreshed list", {
    timeout: 60_000,
  }, async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    await page.goto(`${service.restUrl}/`);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByLabel("Username").fill("browser-user");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByText("signed in as browser-user@example.com").waitFor({ timeout: 20_000 });
    expect(new URL(page.url()).search).toBe("");
    expect(await page.evaluate("JSON.stringify({ ...localStorage })")).toBe("{}");
    await page.getByLabel("Name").fill("Brass lamp");
    await page.getByLabel("Description").fill("created from the browser");
    await page.getByRole("button", { name: "Create" }).click();

    const entry = page.locator("#requests li", { hasText: "create Brass lamp" });
    await entry.filter({ hasText: "success" }).waitFor({ timeout: 20_000 });
    await page.locator("#items tr", { hasText: "Brass lamp" }).waitFor({ timeout: 20_000 });
    expect(await page.locator("#items tr", { hasText: "created from the browser" }).count()).toBe(1);
    expect(await entry.getAttribute("class")).toBe("success");

    mkdirSync("test-results", { recursive: true });
    await page.screenshot({ path: "test-results/web-client.png", fullPage: true });
    expect(existsSync("test-results/web-client.png")).toBe(true);
    expect(errors).toEqual([]);
  });
});
