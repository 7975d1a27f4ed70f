import { randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { Chaos } from "../chaos/chaos.ts";
import { AwsChunkedDecoder } from "./chunked.ts";
import { errorXml, escapeXml, S3Error } from "./errors.ts";
import { isPresigned, verifyPresigned } from "./presigned.ts";
import { ObjectStore, type ObjectVersion, type PutOptions } from "./store.ts";

/** An object written, as the notification that follows it needs to know it. */
export interface ObjectCreated {
  readonly eventName:
    | "ObjectCreated:Put"
    | "ObjectCreated:Post"
    | "ObjectCreated:Copy"
    | "ObjectCreated:CompleteMultipartUpload";
  readonly bucket: string;
  readonly object: ObjectVersion;
  readonly versioned: boolean;
  readonly requestId: string;
  readonly sourceIp: string;
}

export interface S3EndpointOptions {
  readonly buckets: ReadonlyArray<{ name: string; versioned: boolean }>;
  readonly port?: number;
  /** Folder for the objects' bytes. @default a new temporary folder, removed on close */
  readonly dataFolder?: string;
  /** Retryable faults (500 InternalError, 503 SlowDown) at the chaos' SDK-fault rate. */
  readonly chaos?: Chaos;
  readonly onObjectCreated?: (created: ObjectCreated) => void;
}

export interface S3Endpoint {
  readonly url: string;
  readonly store: ObjectStore;
  /** Makes the next `count` requests `matches` selects fail with S3's `code` (default: SlowDown). */
  refuseNext(
    matches: (method: string, bucket: string, key: string) => boolean,
    count?: number,
    code?: "SlowDown" | "InternalError",
  ): void;
  close(): Promise<void>;
}

const XMLNS = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"';

/**
 * S3 on 127.0.0.1 for the handlers' `S3Client` (path-style: `forcePathStyle`, which `AWS_ENDPOINT_URL_S3` needs
 * on a plain host) and the AWS CLI: objects with versions, conditional writes (`If-None-Match: *`), ranges,
 * listings, copies, multipart uploads, `aws-chunked` bodies with their trailing checksums, presigned URLs checked
 * as S3 checks them, and S3's XML errors. Buckets are the stack's; another name is `NoSuchBucket`.
 */
export async function startS3Endpoint(options: S3EndpointOptions): Promise<S3Endpoint> {
  const ownsFolder = options.dataFolder === undefined;
  const folder = options.dataFolder ?? mkdtempSync(path.join(tmpdir(), "local-s3-"));
  const store = new ObjectStore(folder, options.buckets);
  const chaos = options.chaos ?? Chaos.none;
  let refusing = {
    matches: (_m: string, _b: string, _k: string) => false,
    count: 0,
    code: "SlowDown" as "SlowDown" | "InternalError",
  };
  let endpointUrl = "";

  const server: Server = createServer(async (request, response) => {
    const requestId = randomUUID().replaceAll("-", "").slice(0, 16).toUpperCase();
    response.setHeader("x-amz-request-id", requestId);
    response.setHeader("x-amz-id-2", requestId);
    try {
      const rawUrl = request.url ?? "/";
      const [rawPath = "/", rawQuery = ""] = rawUrl.split("?", 2) as [string, string?];
      const query = new URLSearchParams(rawQuery);
      const [bucket = "", ...keyParts] = rawPath.slice(1).split("/");
      const bucketName = decodeURIComponent(bucket);
      const key = decodeURIComponent(keyParts.join("/"));
      const method = request.method ?? "GET";
      if (isPresigned(query)) verifyPresigned(method, rawPath, rawQuery, request.headers);
      if (refusing.count > 0 && refusing.matches(method, bucketName, key)) {
        refusing.count -= 1;
        throw new S3Error(refusing.code);
      }
      if (chaos.strikes("S3 call failed", chaos.rates.sdkFault))
        throw new S3Error(chaos.random() < 0.5 ? "SlowDown" : "InternalError");
      const context: RequestContext = {
        request,
        response,
        store,
        bucket: bucketName,
        key,
        query,
        requestId,
        options,
      };
      if (!bucketName) return listBuckets(context);
      if (keyParts.length === 0 || key === "") return await serveBucket(method, context);
      return await serveObject(method, context);
    } catch (error) {
      const s3Error =
        error instanceof S3Error
          ? error
          : new S3Error(
              "InternalError",
              `InternalError: ${error instanceof Error ? error.message : String(error)}`,
            );
      request.resume();
      if (response.headersSent) return void response.destroy();
      response.writeHead(s3Error.status, { "content-type": "application/xml" });
      response.end(request.method === "HEAD" ? undefined : errorXml(s3Error, requestId));
    }
  });
  // A 100 MB upload on a slow client must not be cut off by Node's default request timeout.
  server.requestTimeout = 0;
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  endpointUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    url: endpointUrl,
    store,
    refuseNext: (matches, count = 1, code = "SlowDown") => {
      refusing = { matches, count, code };
    },
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      if (ownsFolder) store.close();
    },
  };
}

interface RequestContext {
  readonly request: IncomingMessage;
  readonly response: ServerResponse;
  readonly store: ObjectStore;
  readonly bucket: string;
  readonly key: string;
  readonly query: URLSearchParams;
  readonly requestId: string;
  readonly options: S3EndpointOptions;
}

function xml(
  response: ServerResponse,
  body: string,
  headers: Record<string, string> = {},
  status = 200,
): void {
  response.writeHead(status, { "content-type": "application/xml", ...headers });
  response.end(`<?xml version="1.0" encoding="UTF-8"?>\n${body}`);
}

function listBuckets({ store, response }: RequestContext): void {
  const buckets = store
    .bucketNames()
    .map(
      (name) =>
        `<Bucket><Name>${escapeXml(name)}</Name><CreationDate>1970-01-01T00:00:00.000Z</CreationDate></Bucket>`,
    )
    .join("");
  xml(
    response,
    `<ListAllMyBucketsResult ${XMLNS}><Owner><ID>local</ID></Owner><Buckets>${buckets}</Buckets></ListAllMyBucketsResult>`,
  );
}

async function serveBucket(method: string, context: RequestContext): Promise<void> {
  const { store, bucket, query, response } = context;
  store.isVersioned(bucket); // NoSuchBucket for a bucket the stack does not declare
  if (method === "HEAD") return void response.writeHead(200).end();
  if (method !== "GET")
    throw new S3Error("MethodNotAllowed", undefined, { Method: method, ResourceType: "BUCKET" });
  if (query.has("location")) return xml(response, `<LocationConstraint ${XMLNS}/>`);
  if (query.has("versioning"))
    return xml(
      response,
      `<VersioningConfiguration ${XMLNS}>${store.isVersioned(bucket) ? "<Status>Enabled</Status>" : ""}</VersioningConfiguration>`,
    );
  return listObjectsV2(context);
}

function listObjectsV2({ store, bucket, query, response }: RequestContext): void {
  const urlEncoded = query.get("encoding-type") === "url";
  const encode = (value: string) => (urlEncoded ? encodeURIComponent(value).replaceAll("%2F", "/") : value);
  const maxKeys = Number(query.get("max-keys") ?? 1000);
  if (!Number.isInteger(maxKeys) || maxKeys < 0)
    throw new S3Error("InvalidArgument", "Provided max-keys not an integer or within integer range");
  const token = query.get("continuation-token") ?? undefined;
  let afterToken: string | undefined;
  if (token !== undefined) {
    afterToken = Buffer.from(token, "base64url").toString("utf8");
    if (!afterToken) throw new S3Error("InvalidArgument", "The continuation token provided is incorrect");
  }
  const startAfter = query.get("start-after") ?? undefined;
  const prefix = query.get("prefix") ?? "";
  const delimiter = query.get("delimiter") ?? undefined;
  const after = [afterToken, startAfter]
    .filter((value): value is string => value !== undefined)
    .sort()
    .at(-1);
  const page = store.list(bucket, { prefix, startAfter: after, maxKeys: Math.min(maxKeys, 1000), delimiter });
  const contents = page.contents
    .map(
      (object) =>
        `<Contents><Key>${escapeXml(encode(object.key))}</Key><LastModified>${object.lastModified.toISOString()}</LastModified><ETag>${escapeXml(object.etag)}</ETag><Size>${object.size}</Size><StorageClass>STANDARD</StorageClass></Contents>`,
    )
    .join("");
  const prefixes = page.commonPrefixes
    .map((common) => `<CommonPrefixes><Prefix>${escapeXml(encode(common))}</Prefix></CommonPrefixes>`)
    .join("");
  const next =
    page.truncated && page.lastKey !== undefined
      ? `<NextContinuationToken>${Buffer.from(page.lastKey).toString("base64url")}</NextContinuationToken>`
      : "";
  xml(
    response,
    `<ListBucketResult ${XMLNS}><Name>${escapeXml(bucket)}</Name><Prefix>${escapeXml(encode(prefix))}</Prefix>${delimiter ? `<Delimiter>${escapeXml(encode(delimiter))}</Delimiter>` : ""}<KeyCount>${page.contents.length + page.commonPrefixes.length}</KeyCount><MaxKeys>${maxKeys}</MaxKeys>${urlEncoded ? "<EncodingType>url</EncodingType>" : ""}<IsTruncated>${page.truncated}</IsTruncated>${token ? `<ContinuationToken>${escapeXml(token)}</ContinuationToken>` : ""}${next}${contents}${prefixes}</ListBucketResult>`,
  );
}

async function serveObject(method: string, context: RequestContext): Promise<void> {
  const { query } = context;
  if (method === "GET" || method === "HEAD") return getObject(context, method === "HEAD");
  if (method === "PUT") {
    if (query.has("uploadId")) return uploadPart(context);
    if (context.request.headers["x-amz-copy-source"]) return copyObject(context);
    return putObject(context);
  }
  if (method === "POST" && query.has("uploads")) return createUpload(context);
  if (method === "POST" && query.has("uploadId")) return completeUpload(context);
  if (method === "DELETE") return deleteObject(context);
  throw new S3Error("MethodNotAllowed", undefined, { Method: method, ResourceType: "OBJECT" });
}

/** The request's body, unframed if the client sent it `aws-chunked`, with the length it declared. */
function bodyOf(request: IncomingMessage): {
  body: Readable;
  length?: number;
  trailers?: Record<string, string>;
} {
  const header = (name: string) => request.headers[name] as string | undefined;
  const chunked =
    (header("content-encoding") ?? "").includes("aws-chunked") ||
    (header("x-amz-content-sha256") ?? "").startsWith("STREAMING-");
  const declared = header(chunked ? "x-amz-decoded-content-length" : "content-length");
  const length = declared === undefined ? undefined : Number(declared);
  if (!chunked) return { body: request, length };
  const decoder = new AwsChunkedDecoder();
  pipeline(request, decoder).catch((error: unknown) => decoder.destroy(error as Error));
  return { body: decoder, length, trailers: decoder.trailers };
}

function putOptionsOf(request: IncomingMessage): PutOptions {
  const metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers))
    if (name.startsWith("x-amz-meta-") && typeof value === "string")
      metadata[name.slice("x-amz-meta-".length)] = value;
  const ifNoneMatch = request.headers["if-none-match"];
  if (ifNoneMatch !== undefined && ifNoneMatch !== "*")
    throw new S3Error(
      "NotImplemented",
      "A header you provided implies functionality that is not implemented",
      { Header: "If-None-Match" },
    );
  return {
    contentType: request.headers["content-type"],
    metadata,
    ifNoneMatch,
    contentMd5: request.headers["content-md5"] as string | undefined,
  };
}

function versionHeaders(context: RequestContext, version: ObjectVersion): Record<string, string> {
  return context.store.isVersioned(context.bucket) ? { "x-amz-version-id": version.versionId } : {};
}

async function putObject(context: RequestContext): Promise<void> {
  const { request, response, store, bucket, key } = context;
  const options = putOptionsOf(request);
  const { body, length, trailers } = bodyOf(request);
  if (length === undefined && request.headers["transfer-encoding"] !== undefined)
    throw new S3Error("MissingContentLength");
  const headerCrc = request.headers["x-amz-checksum-crc32"] as string | undefined;
  const version = await store.put(bucket, key, body, {
    ...options,
    expectedLength: length,
    crc32: () => headerCrc ?? trailers?.["x-amz-checksum-crc32"],
  });
  response.writeHead(200, { etag: version.etag, ...versionHeaders(context, version) });
  response.end();
  created(context, "ObjectCreated:Put", version);
}

function created(
  context: RequestContext,
  eventName: ObjectCreated["eventName"],
  object: ObjectVersion,
): void {
  context.options.onObjectCreated?.({
    eventName,
    bucket: context.bucket,
    object,
    versioned: context.store.isVersioned(context.bucket),
    requestId: context.requestId,
    sourceIp: context.request.socket.remoteAddress ?? "127.0.0.1",
  });
}

/** `bytes=a-b`, `bytes=a-` or `bytes=-n` as an inclusive range; a range past the end is `InvalidRange`. */
function parseRange(header: string | undefined, size: number): { start: number; end: number } | undefined {
  const match = header ? /^bytes=(\d*)-(\d*)$/.exec(header) : null;
  if (!match) return undefined; // S3 ignores a Range it cannot parse and sends the whole object
  const [, from = "", to = ""] = match;
  const range =
    from === ""
      ? { start: Math.max(0, size - Number(to)), end: size - 1 }
      : { start: Number(from), end: to === "" ? size - 1 : Math.min(Number(to), size - 1) };
  if (range.start >= size || range.start > range.end || (from === "" && to === ""))
    throw new S3Error("InvalidRange", undefined, {
      RangeRequested: header as string,
      ActualObjectSize: String(size),
    });
  return range;
}

async function getObject(context: RequestContext, headOnly: boolean): Promise<void> {
  const { request, response, store, bucket, key, query } = context;
  const version = store.get(bucket, key, query.get("versionId") ?? undefined);
  const headers: Record<string, string | number> = {
    "content-type": version.contentType,
    etag: version.etag,
    "last-modified": version.lastModified.toUTCString(),
    "accept-ranges": "bytes",
    ...versionHeaders(context, version),
    ...Object.fromEntries(
      Object.entries(version.metadata).map(([name, value]) => [`x-amz-meta-${name}`, value]),
    ),
  };
  const ifNoneMatch = request.headers["if-none-match"];
  if (ifNoneMatch !== undefined && ifNoneMatch === version.etag)
    return void response.writeHead(304, headers).end();
  const ifMatch = request.headers["if-match"];
  if (ifMatch !== undefined && ifMatch !== version.etag && ifMatch !== "*")
    throw new S3Error("PreconditionFailed", undefined, { Condition: "If-Match" });
  const range = parseRange(request.headers.range, version.size);
  if (range) {
    headers["content-range"] = `bytes ${range.start}-${range.end}/${version.size}`;
    headers["content-length"] = range.end - range.start + 1;
  } else headers["content-length"] = version.size;
  response.writeHead(range ? 206 : 200, headers);
  if (headOnly || version.size === 0) return void response.end();
  await pipeline(store.read(version, range), response);
}

async function copyObject(context: RequestContext): Promise<void> {
  const { request, response, store, bucket, key } = context;
  const source = decodeURIComponent(String(request.headers["x-amz-copy-source"]));
  const [sourcePath = "", sourceQuery = ""] = source.split("?", 2) as [string, string?];
  const [sourceBucket = "", ...sourceKey] = sourcePath.replace(/^\//, "").split("/");
  const sourceVersion = store.get(
    sourceBucket,
    sourceKey.join("/"),
    new URLSearchParams(sourceQuery).get("versionId") ?? undefined,
  );
  const replace = request.headers["x-amz-metadata-directive"] === "REPLACE";
  const options = putOptionsOf(request);
  const version = await store.put(bucket, key, store.read(sourceVersion), {
    ...options,
    contentType: replace ? options.contentType : sourceVersion.contentType,
    metadata: replace ? options.metadata : sourceVersion.metadata,
  });
  xml(
    response,
    `<CopyObjectResult ${XMLNS}><LastModified>${version.lastModified.toISOString()}</LastModified><ETag>${escapeXml(version.etag)}</ETag></CopyObjectResult>`,
    {
      ...versionHeaders(context, version),
      ...(store.isVersioned(sourceBucket) ? { "x-amz-copy-source-version-id": sourceVersion.versionId } : {}),
    },
  );
  created(context, "ObjectCreated:Copy", version);
}

function deleteObject(context: RequestContext): void {
  const { response, store, bucket, key, query } = context;
  const uploadId = query.get("uploadId");
  if (uploadId !== null) {
    void store.abortUpload(bucket, key, uploadId);
    return void response.writeHead(204).end();
  }
  const deleted = store.delete(bucket, key, query.get("versionId") ?? undefined);
  response.writeHead(204, {
    ...(deleted.versionId ? { "x-amz-version-id": deleted.versionId } : {}),
    ...(deleted.deleteMarker ? { "x-amz-delete-marker": "true" } : {}),
  });
  response.end();
}

function createUpload(context: RequestContext): void {
  const { request, response, store, bucket, key } = context;
  const uploadId = store.createUpload(bucket, key, putOptionsOf(request));
  xml(
    response,
    `<InitiateMultipartUploadResult ${XMLNS}><Bucket>${escapeXml(bucket)}</Bucket><Key>${escapeXml(key)}</Key><UploadId>${uploadId}</UploadId></InitiateMultipartUploadResult>`,
  );
}

async function uploadPart(context: RequestContext): Promise<void> {
  const { request, response, store, bucket, key, query } = context;
  const { body, length } = bodyOf(request);
  const etag = await store.uploadPart(
    bucket,
    key,
    String(query.get("uploadId")),
    Number(query.get("partNumber")),
    body,
    length,
  );
  response.writeHead(200, { etag });
  response.end();
}

async function completeUpload(context: RequestContext): Promise<void> {
  const { request, response, store, bucket, key, query } = context;
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const document = Buffer.concat(chunks).toString("utf8");
  const parts = [...document.matchAll(/<Part>([\s\S]*?)<\/Part>/g)].map(([, part = ""]) => ({
    partNumber: Number(/<PartNumber>(\d+)<\/PartNumber>/.exec(part)?.[1]),
    etag: (/<ETag>([^<]*)<\/ETag>/.exec(part)?.[1] ?? "").replaceAll("&quot;", '"').replaceAll("&#34;", '"'),
  }));
  if (parts.some((part) => !Number.isInteger(part.partNumber) || !part.etag))
    throw new S3Error("MalformedXML");
  const version = await store.completeUpload(bucket, key, String(query.get("uploadId")), parts);
  xml(
    response,
    `<CompleteMultipartUploadResult ${XMLNS}><Location>${escapeXml(`/${bucket}/${key}`)}</Location><Bucket>${escapeXml(bucket)}</Bucket><Key>${escapeXml(key)}</Key><ETag>${escapeXml(version.etag)}</ETag></CompleteMultipartUploadResult>`,
    versionHeaders(context, version),
  );
  created(context, "ObjectCreated:CompleteMultipartUpload", version);
}
