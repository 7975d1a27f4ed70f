import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { Testing } from "cdktf";
import { StaticSite } from "../../stacks/constructs/static-site.ts";
import { buildSite, IMMUTABLE_CACHE_CONTROL, type SiteBuild } from "../../stacks/site-build.ts";
import { resourcesOf, type StackJson } from "../../synthesized/stack-json.ts";
import { synthesizedStack } from "../support/synthesized.ts";

let workdir: string;
beforeAll(() => {
  workdir = mkdtempSync(path.join(tmpdir(), "site-build-"));
});
afterAll(() => rmSync(workdir, { recursive: true, force: true }));

/** The web app as the repository has it, copied so that a test may change one file. */
function sources(name: string, change?: (folder: string) => void): string {
  const folder = path.join(workdir, name, "web");
  cpSync("web", folder, { recursive: true });
  change?.(folder);
  return folder;
}

/** The site synthesized alone; its objects by construct address, with what the plan compares of each. */
function objectsOf(build: SiteBuild): Map<string, string> {
  const stack = JSON.parse(
    Testing.synthScope((scope) => {
      new StaticSite(scope, "site", {
        name: "crud-test-site",
        bucketName: "crud-test-site-111111111111",
        build,
        clientConfig: { region: "eu-west-1" },
        connectOrigins: ["https://api.example.com"],
        priceClass: "PriceClass_100",
        edgeProvider: new AwsProvider(scope, "edge", { alias: "edge", region: "us-east-1" }),
        accessLogs: { kmsKeyArn: "arn:aws:kms:us-east-1:111111111111:key/test", retentionDays: 7 },
      });
    }),
  ) as StackJson;
  return new Map(
    resourcesOf(stack, "aws_s3_object").map((object) => [
      object.address,
      JSON.stringify([
        object.values.key,
        object.values.source,
        object.values.source_hash,
        object.values.content,
      ]),
    ]),
  );
}

describe("the site build", () => {
  it("names every asset by its content, points the page at those names, and caches them for a year", () => {
    const build = buildSite(sources("names"), path.join(workdir, "names", "out"));
    const byName = new Map(build.files.map((file) => [file.source, file]));
    for (const asset of ["app.js", "auth.js", "live.js", "styles.css"]) {
      expect(byName.get(asset)?.key).toMatch(/^[a-z]+\.[0-9a-f]{10}\.(js|css)$/);
      expect(byName.get(asset)?.cacheControl).toBe(IMMUTABLE_CACHE_CONTROL);
    }
    expect(byName.get("index.html")).toMatchObject({ key: "index.html", cacheControl: "no-cache" });
    const page = readFileSync(path.join(build.directory, "index.html"), "utf8");
    expect(page).toContain(`src="./${byName.get("app.js")?.key}"`);
    expect(page).toContain(`href="./${byName.get("styles.css")?.key}"`);
    const app = readFileSync(path.join(build.directory, String(byName.get("app.js")?.key)), "utf8");
    expect(app).toContain(`from "./${byName.get("live.js")?.key}"`);
    // No inline script: the CSP allows none.
    expect(page).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(page).not.toMatch(/\son[a-z]+=/);
  });

  it("changes only the changed file's object and the page that names it when one file changes", () => {
    const before = objectsOf(buildSite(sources("before"), path.join(workdir, "before", "out")));
    const after = objectsOf(
      buildSite(
        sources("after", (folder) =>
          writeFileSync(
            path.join(folder, "styles.css"),
            `${readFileSync(path.join(folder, "styles.css"), "utf8")}\nmain {\n  margin: 0;\n}\n`,
          ),
        ),
        path.join(workdir, "after", "out"),
      ),
    );
    expect([...after.keys()]).toEqual([...before.keys()]);
    const changed = [...before.keys()].filter((address) => before.get(address) !== after.get(address));
    expect(changed.map((address) => address.replace(/_[0-9A-F]{8}$/, "")).sort()).toEqual([
      "aws_s3_object.site_file-indexhtml",
      "aws_s3_object.site_file-stylescss",
    ]);
  });

  it("refuses a site that refers to a file it does not have, and one that ships its own config.json", () => {
    const missing = sources("missing", (folder) => rmSync(path.join(folder, "live.js")));
    expect(() => buildSite(missing, path.join(workdir, "missing", "out"))).toThrow(
      /The site refers to live\.js, which it does not have/,
    );
    const shipped = sources("shipped", (folder) => writeFileSync(path.join(folder, "config.json"), "{}"));
    expect(() => buildSite(shipped, path.join(workdir, "shipped", "out"))).toThrow(
      /must not hold config\.json/,
    );
  });
});

describe("each stack's config.json", () => {
  it.each(["dev", "staging", "prod"])("%s: holds the stack's public values and no secret", (environment) => {
    const stack = synthesizedStack(environment);
    const config = resourcesOf(stack, "aws_s3_object").find((object) => object.values.key === "config.json");
    const content = String(config?.values.content);
    const references = [...content.matchAll(/\b(aws_[a-z0-9_]+)\.([\w-]+)\.([a-z_]+)/g)].map(
      ([, type, id, attribute]) => `${type}.${attribute}${id?.includes("web-client") ? " (web client)" : ""}`,
    );
    expect(references.sort()).toEqual(
      [
        "aws_api_gateway_stage.invoke_url",
        "aws_apigatewayv2_stage.invoke_url",
        // The usage plan's key: it meters clients, every browser sees it; identity is the user's token.
        "aws_api_gateway_api_key.value",
        "aws_cognito_user_pool.id",
        "aws_cognito_user_pool_client.id (web client)",
        "aws_cognito_user_pool_client.allowed_oauth_scopes (web client)",
      ].sort(),
    );
    expect(content).not.toMatch(/secret|password|private/i);
    expect(config?.values.cache_control).toBe("no-cache");
  });
});
