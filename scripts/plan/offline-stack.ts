import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";

type Json = Record<string, unknown>;

/** Provider settings that let the AWS provider plan without credentials or network calls to AWS. */
export const OFFLINE_PROVIDER_SETTINGS = {
  access_key: "offline-plan",
  secret_key: "offline-plan",
  skip_credentials_validation: true,
  skip_requesting_account_id: true,
  skip_metadata_api_check: true,
  skip_region_validation: true,
} as const;

/**
 * Rewrites a synthesized stack for an offline plan, in a copy: a local backend instead of the real one,
 * mock credentials and `skip_*` flags, and the `archive_file` data sources (whose provider is not
 * mirrored) replaced by their values: the zip's path and a content hash of the bundle folder, which
 * changes exactly when the bundle does. `allowed_account_ids` goes too: without credentials the account
 * is unknown and the provider would refuse every account.
 */
export function offlineStack(stack: Json, stackDir: string): Json {
  const copy = structuredClone(stack) as Json & {
    terraform: Json;
    provider: Json;
    data?: Record<string, Record<string, Json>>;
  };
  copy.terraform = { ...copy.terraform, backend: { local: { path: "offline.tfstate" } } };
  const requiredProviders = { ...(copy.terraform.required_providers as Json) };
  delete requiredProviders.archive;
  copy.terraform.required_providers = requiredProviders;

  const providers = { ...copy.provider } as Record<string, Json[]>;
  delete providers.archive;
  providers.aws = (providers.aws ?? []).map((settings) => {
    const { allowed_account_ids: _unknownOffline, ...rest } = settings;
    return { ...rest, ...OFFLINE_PROVIDER_SETTINGS };
  });
  copy.provider = providers;

  const archives = copy.data?.archive_file ?? {};
  const values = new Map<string, string>();
  for (const [id, archive] of Object.entries(archives)) {
    values.set(`\${data.archive_file.${id}.output_path}`, String(archive.output_path));
    values.set(
      `\${data.archive_file.${id}.output_base64sha256}`,
      folderHash(path.join(stackDir, String(archive.source_dir))),
    );
  }
  if (copy.data) {
    delete copy.data.archive_file;
    if (Object.keys(copy.data).length === 0) delete copy.data;
  }
  let text = JSON.stringify(copy);
  for (const [reference, value] of values) text = text.split(reference).join(value);
  if (text.includes("${data.archive_file."))
    throw new Error("An archive_file reference has no offline stand-in");
  return JSON.parse(text);
}

/** Base64 SHA-256 over every file's relative path and bytes, in a fixed order. */
export function folderHash(folder: string): string {
  const hash = createHash("sha256");
  const walk = (relative: string) => {
    for (const name of readdirSync(path.join(folder, relative)).sort()) {
      const entry = path.join(relative, name);
      if (statSync(path.join(folder, entry)).isDirectory()) walk(entry);
      else hash.update(`${entry}\0`).update(readFileSync(path.join(folder, entry)));
    }
  };
  walk("");
  return hash.digest("base64");
}

/** CLI configuration that installs hashicorp/aws from a filesystem mirror only. */
export function mirrorOnlyCliConfig(mirror: string): string {
  return `provider_installation {
  filesystem_mirror {
    path    = ${JSON.stringify(mirror)}
    include = ["registry.terraform.io/hashicorp/aws"]
  }
  direct {
    exclude = ["registry.terraform.io/hashicorp/aws"]
  }
}
`;
}
