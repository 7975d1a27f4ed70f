/**
 * Where import files and their results live in the imports bucket, shared by the stack (notification filter,
 * lifecycle, IAM) and the handlers. A leaf module: it imports nothing.
 *
 * - `imports/<sub>/<name>`: a user's upload, `<sub>` the verified token's subject (the upload URL fixes it).
 * - `results/<sub>/<name>.result.json`: what became of each row. Under a prefix of its own, so writing a result
 *   never notifies the importer, and so files and results expire on their own schedules.
 */
export const IMPORTS_PREFIX = "imports/";
export const RESULTS_PREFIX = "results/";
export const RESULT_SUFFIX = ".result.json";

/** The file types an import takes. */
export const IMPORT_EXTENSIONS = [".jsonl", ".csv"] as const;
export type ImportFormat = "jsonl" | "csv";

/** A file name: 1-100 letters, digits, `.`, `_` or `-`, not starting with a dot, ending in .jsonl or .csv. */
export const IMPORT_NAME_PATTERN = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}$/;

/** Why a name cannot be an import's, or undefined when it can. */
export function importNameProblem(name: string): string | undefined {
  if (!IMPORT_NAME_PATTERN.test(name))
    return "name: must be 1-100 letters, digits, '.', '_' or '-', not starting with '.'";
  if (!IMPORT_EXTENSIONS.some((extension) => name.endsWith(extension)))
    return `name: must end in ${IMPORT_EXTENSIONS.join(" or ")}`;
  return undefined;
}

export function formatOf(name: string): ImportFormat | undefined {
  if (name.endsWith(".jsonl")) return "jsonl";
  if (name.endsWith(".csv")) return "csv";
  return undefined;
}

export function uploadKey(owner: string, name: string): string {
  return `${IMPORTS_PREFIX}${owner}/${name}`;
}

export function resultKey(owner: string, name: string): string {
  return `${RESULTS_PREFIX}${owner}/${name}${RESULT_SUFFIX}`;
}

/** The owner and file name of an upload key, or undefined for a key outside `imports/<owner>/<name>`. */
export function parseUploadKey(key: string): { owner: string; name: string } | undefined {
  const match = /^imports\/([A-Za-z0-9-]{1,128})\/([^/]+)$/.exec(key);
  return match ? { owner: match[1] as string, name: match[2] as string } : undefined;
}
