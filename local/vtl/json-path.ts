/**
 * The JSONPath subset API Gateway templates use: `$`, `.name`, `['name']` / `["name"]` and `[index]`.
 * Returns `undefined` where the path leads nowhere, as API Gateway renders an empty value there.
 */
export function evaluateJsonPath(document: unknown, path: string): unknown {
  if (!path.startsWith("$")) throw new Error(`JSONPath must start with "$": ${path}`);
  const steps = /\.([A-Za-z_$][\w$-]*)|\[(\d+)\]|\['([^']*)'\]|\["([^"]*)"\]/gy;
  let value: unknown = document;
  let offset = 1;
  steps.lastIndex = offset;
  while (offset < path.length) {
    const step = steps.exec(path);
    if (!step) throw new Error(`Unsupported JSONPath step at ${offset} in ${path}`);
    offset = steps.lastIndex;
    const [, name, index, single, double] = step;
    if (value === null || typeof value !== "object") return undefined;
    const key = index !== undefined ? Number(index) : (name ?? single ?? double ?? "");
    value = (value as Record<string | number, unknown>)[key];
  }
  return value;
}
