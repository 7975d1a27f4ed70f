import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { S3Error } from "./errors.ts";

/** The secret of the runner's credentials (`AWS_SECRET_ACCESS_KEY=local`, which the runner gives every function). */
export const LOCAL_SECRET_ACCESS_KEY = "local";

/** S3 refuses a presigned URL valid for longer than seven days. */
const MAX_EXPIRES_SECONDS = 604_800;

/** RFC 3986 encoding, as SigV4 canonicalizes query strings. */
function encode(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

function hmac(key: Buffer | string, value: string): Buffer {
  return createHmac("sha256", key).update(value, "utf8").digest();
}

/** Whether a request carries SigV4 query authentication (a presigned URL). */
export function isPresigned(query: URLSearchParams): boolean {
  return query.has("X-Amz-Signature");
}

/**
 * Checks a presigned URL as S3 does: not expired, and signed over this method, path, query and the headers it
 * names (a presigned PUT that signs `content-length` and `content-type` accepts only a body of that length and
 * type). A URL whose signature does not match is `SignatureDoesNotMatch`; an expired one `AccessDenied`.
 */
export function verifyPresigned(
  method: string,
  rawPath: string,
  rawQuery: string,
  headers: IncomingHttpHeaders,
  now = Date.now(),
  secret = LOCAL_SECRET_ACCESS_KEY,
): void {
  const pairs = rawQuery
    .split("&")
    .filter(Boolean)
    .map((pair) => {
      const [name = "", value = ""] = pair.split("=");
      const decode = (text: string) => decodeURIComponent(text.replaceAll("+", "%20"));
      return [decode(name), decode(value)] as const;
    });
  const query = new Map(pairs);
  const get = (name: string) => {
    const value = query.get(name);
    if (value === undefined)
      throw new S3Error("AccessDenied", `Query-string authentication requires the ${name} parameter`);
    return value;
  };
  if (get("X-Amz-Algorithm") !== "AWS4-HMAC-SHA256")
    throw new S3Error("InvalidArgument", 'X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"');
  const [, date = "", region = "", service = ""] = get("X-Amz-Credential").split("/");
  const amzDate = get("X-Amz-Date");
  const expires = Number(get("X-Amz-Expires"));
  if (!Number.isInteger(expires) || expires < 1 || expires > MAX_EXPIRES_SECONDS)
    throw new S3Error(
      "AuthorizationQueryParametersError",
      "X-Amz-Expires must be between 1 and 604800 seconds",
    );
  const signedAt = Date.parse(
    amzDate.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, "$1-$2-$3T$4:$5:$6Z"),
  );
  if (!(signedAt <= now + 15 * 60_000)) throw new S3Error("AccessDenied", "Request is not valid yet");
  if (now > signedAt + expires * 1000) throw new S3Error("AccessDenied", "Request has expired");
  const signedHeaders = get("X-Amz-SignedHeaders").split(";");
  const canonicalHeaders = signedHeaders
    .map((name) => {
      const value = headers[name];
      if (value === undefined) throw new S3Error("SignatureDoesNotMatch");
      return `${name}:${(Array.isArray(value) ? value.join(",") : value).trim().replace(/\s+/g, " ")}\n`;
    })
    .join("");
  const canonicalQuery = pairs
    .filter(([name]) => name !== "X-Amz-Signature")
    .map(([name, value]) => [encode(name), encode(value)] as const)
    .sort(([a, x], [b, y]) => (a === b ? (x < y ? -1 : 1) : a < b ? -1 : 1))
    .map(([name, value]) => `${name}=${value}`)
    .join("&");
  const canonicalRequest = [
    method,
    rawPath,
    canonicalQuery,
    canonicalHeaders,
    signedHeaders.join(";"),
    "UNSIGNED-PAYLOAD",
  ].join("\n");
  const scope = `${date}/${region}/${service}/aws4_request`;
  const stringToSign = [
    "AWS4-HMAC-SHA256",
    amzDate,
    scope,
    createHash("sha256").update(canonicalRequest).digest("hex"),
  ].join("\n");
  const key = [date, region, service, "aws4_request"].reduce<Buffer>(
    (signingKey, part) => hmac(signingKey, part),
    Buffer.from(`AWS4${secret}`),
  );
  const expected = Buffer.from(hmac(key, stringToSign).toString("hex"));
  const given = Buffer.from(get("X-Amz-Signature"));
  if (expected.length !== given.length || !timingSafeEqual(expected, given))
    throw new S3Error("SignatureDoesNotMatch");
}
