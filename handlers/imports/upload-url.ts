import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import { ownerSchema } from "../lib/contracts.ts";
import { IMPORTS_ENV, requireEnv } from "../lib/environment.ts";
import { logger } from "../lib/powertools.ts";
import { s3Client } from "../lib/s3.ts";
import { formatOf, importNameProblem, resultKey, uploadKey } from "./layout.ts";

/** The content type an upload must declare, per format: part of the signature, so S3 refuses any other. */
export const UPLOAD_CONTENT_TYPES = { jsonl: "application/x-ndjson", csv: "text/csv" } as const;

/** What `POST /imports` answers: where to PUT the file (with exactly these headers), and where its result will be. */
export interface UploadGrant {
  readonly uploadUrl: string;
  readonly method: "PUT";
  readonly headers: { readonly "content-type": string; readonly "content-length": string };
  readonly key: string;
  readonly expiresAt: string;
  /** A GET URL of the result, valid as long as the upload URL: the result appears once the import ran. */
  readonly resultUrl: string;
}

/**
 * `POST /imports` with `{"name": "items.csv", "size": <bytes>}`: a presigned PUT URL for the caller's own key,
 * `imports/<sub>/<name>`. The caller is the Cognito authorizer's verified `sub`, never a value of the request. The
 * URL is signed over the key, the exact size and the content type, and expires quickly: S3 refuses any other body.
 */
export const handler = async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
  const owner = ownerSchema.safeParse(event.requestContext.authorizer?.claims?.sub);
  if (!owner.success) {
    // The authorizer always passes claims: without them the route is misconfigured, and nothing is granted.
    logger.error("No caller identity in the authorizer's claims");
    return answer(500, { error: "internal error" });
  }
  let request: { name?: unknown; size?: unknown };
  try {
    request = JSON.parse(event.body ?? "") as typeof request;
  } catch {
    return answer(400, { error: "body: must be JSON" });
  }
  const maxBytes = Number(requireEnv(IMPORTS_ENV.maxFileBytes));
  const name = typeof request.name === "string" ? request.name : "";
  const problem =
    importNameProblem(name) ??
    (Number.isInteger(request.size) && (request.size as number) >= 1 && (request.size as number) <= maxBytes
      ? undefined
      : `size: must be the file's size in bytes, from 1 to ${maxBytes}`);
  if (problem) return answer(400, { error: problem });
  const format = formatOf(name) ?? "jsonl";
  const bucket = requireEnv(IMPORTS_ENV.bucketName);
  const expiresIn = Number(requireEnv(IMPORTS_ENV.uploadUrlExpirySeconds));
  const key = uploadKey(owner.data, name);
  const contentType = UPLOAD_CONTENT_TYPES[format];
  const uploadUrl = await getSignedUrl(
    s3Client,
    new PutObjectCommand({
      Bucket: bucket,
      Key: key,
      ContentLength: request.size as number,
      ContentType: contentType,
    }),
    { expiresIn, signableHeaders: new Set(["content-length", "content-type"]) },
  );
  const resultUrl = await getSignedUrl(
    s3Client,
    new GetObjectCommand({ Bucket: bucket, Key: resultKey(owner.data, name) }),
    { expiresIn },
  );
  const grant: UploadGrant = {
    uploadUrl,
    method: "PUT",
    headers: { "content-type": contentType, "content-length": String(request.size) },
    key,
    expiresAt: new Date(Date.now() + expiresIn * 1000).toISOString(),
    resultUrl,
  };
  return answer(200, grant);
};

function answer(statusCode: number, body: unknown): APIGatewayProxyResult {
  return { statusCode, headers: { "content-type": "application/json" }, body: JSON.stringify(body) };
}
