/**
 * JSON with object keys sorted, so two values holding the same data compare equal whatever the order their maps
 * were built in (DynamoDB images, unmarshalled items). Arrays keep their order. Undefined reads as "".
 */
export function canonicalJson(value: unknown): string {
  if (value === undefined) return "";
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object")
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`)
      .join(",")}}`;
  return JSON.stringify(value);
}
