import { createHash, randomBytes } from "node:crypto";
import { createReadStream, createWriteStream, mkdirSync, renameSync, rmSync } from "node:fs";
import { rm } from "node:fs/promises";
import path from "node:path";
import { type Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { crc32 } from "node:zlib";
import { S3Error } from "./errors.ts";

/** S3's limits: one PUT carries at most 5 GiB; a multipart part at least 5 MiB (but the last) and at most 10,000 parts. */
export const S3_LIMITS = {
  maxPutBytes: 5 * 1024 ** 3,
  minPartBytes: 5 * 1024 ** 2,
  maxParts: 10_000,
  maxKeyBytes: 1024,
  maxMetadataBytes: 2048,
} as const;

export interface ObjectVersion {
  readonly key: string;
  /** `null` in a bucket that was never versioned, as S3 names it. */
  readonly versionId: string;
  readonly deleteMarker: boolean;
  readonly size: number;
  /** Quoted, as S3 sends it: the MD5 of the bytes, or of the parts' MD5s and `-<parts>` for a multipart upload. */
  readonly etag: string;
  readonly contentType: string;
  readonly metadata: Readonly<Record<string, string>>;
  readonly lastModified: Date;
  /** The bytes on disk (never in memory: objects may be hundreds of megabytes). */
  readonly file?: string;
  /** Increasing per key, for the `sequencer` of event notifications. */
  readonly sequencer: string;
}

export interface PutOptions {
  readonly contentType?: string;
  readonly metadata?: Readonly<Record<string, string>>;
  /** `If-None-Match: *`: refuse with 412 if the key has a current object when the write completes. */
  readonly ifNoneMatch?: string;
  /** The length the request declared; a body of another length is refused. */
  readonly expectedLength?: number;
  /**
   * `x-amz-checksum-crc32` the client sent (base64 of the big-endian CRC32), checked against the bytes; asked for
   * once the body has ended, since an `aws-chunked` body carries it in a trailer.
   */
  readonly crc32?: () => string | undefined;
  /** `Content-MD5` the client sent (base64), checked against the bytes. */
  readonly contentMd5?: string;
}

interface BucketState {
  readonly name: string;
  readonly versioned: boolean;
  /** Versions per key, newest last. */
  readonly objects: Map<string, ObjectVersion[]>;
  readonly uploads: Map<string, { key: string; options: PutOptions; parts: Map<number, StoredPart> }>;
}

interface StoredPart {
  readonly file: string;
  readonly size: number;
  readonly md5: Buffer;
}

export interface ListPage {
  readonly contents: ObjectVersion[];
  readonly commonPrefixes: string[];
  readonly truncated: boolean;
  /** The last key of the page, for the next page's continuation token. */
  readonly lastKey?: string;
}

/** Counts the bytes and hashes them on their way to disk. */
class Digesting extends Transform {
  readonly md5 = createHash("md5");
  crc = 0;
  size = 0;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.md5.update(chunk);
    this.crc = crc32(chunk, this.crc);
    this.size += chunk.length;
    this.push(chunk);
    callback();
  }
}

/**
 * The local S3's buckets and objects: metadata in memory, bytes in files under a folder of their own (a temporary
 * one by default), so a 100 MB object costs a file, not a buffer. Writes land in a file of their own and become
 * visible in one step when complete, as in S3: a reader never sees half an object, and a failed upload leaves
 * nothing behind.
 */
export class ObjectStore {
  private readonly buckets = new Map<string, BucketState>();
  private sequence = 0;

  constructor(
    private readonly root: string,
    buckets: ReadonlyArray<{ name: string; versioned: boolean }>,
  ) {
    mkdirSync(path.join(root, "incoming"), { recursive: true });
    for (const bucket of buckets)
      this.buckets.set(bucket.name, { ...bucket, objects: new Map(), uploads: new Map() });
  }

  bucketNames(): string[] {
    return [...this.buckets.keys()];
  }

  isVersioned(bucket: string): boolean {
    return this.bucket(bucket).versioned;
  }

  /** Writes an object from a stream; it exists once the stream ended whole and every check passed. */
  async put(
    bucketName: string,
    key: string,
    body: Readable,
    options: PutOptions = {},
  ): Promise<ObjectVersion> {
    const bucket = this.bucket(bucketName);
    checkKey(key);
    checkMetadata(options.metadata ?? {});
    const file = this.incomingFile();
    const digest = new Digesting();
    try {
      await pipeline(body, digest, createWriteStream(file));
      if (options.expectedLength !== undefined && digest.size !== options.expectedLength)
        throw new S3Error("IncompleteBody");
      if (digest.size > S3_LIMITS.maxPutBytes) throw new S3Error("EntityTooLarge");
      const md5 = digest.md5.digest();
      if (options.contentMd5 !== undefined && options.contentMd5 !== md5.toString("base64"))
        throw new S3Error("BadDigest");
      const expectedCrc32 = options.crc32?.();
      if (expectedCrc32 !== undefined && expectedCrc32 !== crc32Base64(digest.crc))
        throw new S3Error("BadDigest", "The CRC32 you specified did not match the calculated checksum.");
      return this.commit(bucket, key, file, { size: digest.size, etag: `"${md5.toString("hex")}"` }, options);
    } catch (error) {
      await rm(file, { force: true });
      throw error;
    }
  }

  /** The current version of a key, or the version named; a delete marker as current is `NoSuchKey`. */
  get(bucketName: string, key: string, versionId?: string): ObjectVersion {
    const versions = this.bucket(bucketName).objects.get(key) ?? [];
    if (versionId !== undefined) {
      const version = versions.find((candidate) => candidate.versionId === versionId);
      if (!version)
        throw new S3Error(versions.length > 0 ? "NoSuchVersion" : "NoSuchKey", undefined, {
          Key: key,
          VersionId: versionId,
        });
      if (version.deleteMarker)
        throw new S3Error("MethodNotAllowed", undefined, { Method: "GET", ResourceType: "DeleteMarker" });
      return version;
    }
    const current = versions.at(-1);
    if (!current || current.deleteMarker) throw new S3Error("NoSuchKey", undefined, { Key: key });
    return current;
  }

  /** The object's bytes, or the inclusive byte range asked for. */
  read(version: ObjectVersion, range?: { start: number; end: number }): Readable {
    return createReadStream(version.file as string, range ? { start: range.start, end: range.end } : {});
  }

  /**
   * DeleteObject: without a version, a versioned bucket gets a delete marker (the versions stay) and an
   * unversioned one loses the object; with a version, that version goes for good. Deleting what is not there
   * succeeds, as in S3.
   */
  delete(bucketName: string, key: string, versionId?: string): { versionId?: string; deleteMarker: boolean } {
    const bucket = this.bucket(bucketName);
    const versions = bucket.objects.get(key) ?? [];
    if (versionId !== undefined) {
      const index = versions.findIndex((candidate) => candidate.versionId === versionId);
      const [removed] = index >= 0 ? versions.splice(index, 1) : [];
      if (removed?.file) rmSync(removed.file, { force: true });
      if (versions.length === 0) bucket.objects.delete(key);
      return { versionId, deleteMarker: removed?.deleteMarker ?? false };
    }
    if (!bucket.versioned) {
      for (const version of versions) if (version.file) rmSync(version.file, { force: true });
      bucket.objects.delete(key);
      return { deleteMarker: false };
    }
    const marker: ObjectVersion = {
      key,
      versionId: newVersionId(),
      deleteMarker: true,
      size: 0,
      etag: "",
      contentType: "",
      metadata: {},
      lastModified: new Date(),
      sequencer: this.nextSequencer(),
    };
    bucket.objects.set(key, [...versions, marker]);
    return { versionId: marker.versionId, deleteMarker: true };
  }

  /** ListObjectsV2's view: current objects in key order after `startAfter`, grouped by `delimiter` if given. */
  list(
    bucketName: string,
    options: { prefix?: string; startAfter?: string; maxKeys?: number; delimiter?: string },
  ): ListPage {
    const bucket = this.bucket(bucketName);
    const prefix = options.prefix ?? "";
    const maxKeys = options.maxKeys ?? 1000;
    const keys = [...bucket.objects.keys()]
      .filter(
        (key) => key.startsWith(prefix) && (options.startAfter === undefined || key > options.startAfter),
      )
      .sort();
    const contents: ObjectVersion[] = [];
    const commonPrefixes: string[] = [];
    let lastKey: string | undefined;
    for (const key of keys) {
      const current = bucket.objects.get(key)?.at(-1);
      if (!current || current.deleteMarker) continue;
      const delimited = options.delimiter ? key.indexOf(options.delimiter, prefix.length) : -1;
      const common = delimited >= 0 ? key.slice(0, delimited + (options.delimiter?.length ?? 0)) : undefined;
      if (common !== undefined && commonPrefixes.at(-1) === common) {
        lastKey = key;
        continue;
      }
      if (contents.length + commonPrefixes.length >= maxKeys)
        return { contents, commonPrefixes, truncated: true, lastKey };
      if (common !== undefined) commonPrefixes.push(common);
      else contents.push(current);
      lastKey = key;
    }
    return { contents, commonPrefixes, truncated: false, lastKey };
  }

  createUpload(bucketName: string, key: string, options: PutOptions): string {
    const bucket = this.bucket(bucketName);
    checkKey(key);
    checkMetadata(options.metadata ?? {});
    const uploadId = randomBytes(24).toString("base64url");
    bucket.uploads.set(uploadId, { key, options, parts: new Map() });
    return uploadId;
  }

  async uploadPart(
    bucketName: string,
    key: string,
    uploadId: string,
    partNumber: number,
    body: Readable,
    expectedLength?: number,
  ): Promise<string> {
    const upload = this.upload(bucketName, key, uploadId);
    if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > S3_LIMITS.maxParts)
      throw new S3Error("InvalidArgument", "Part number must be an integer between 1 and 10000, inclusive");
    const file = this.incomingFile();
    const digest = new Digesting();
    try {
      await pipeline(body, digest, createWriteStream(file));
      if (expectedLength !== undefined && digest.size !== expectedLength) throw new S3Error("IncompleteBody");
    } catch (error) {
      await rm(file, { force: true });
      throw error;
    }
    const previous = upload.parts.get(partNumber);
    if (previous) await rm(previous.file, { force: true });
    const md5 = digest.md5.digest();
    upload.parts.set(partNumber, { file, size: digest.size, md5 });
    return `"${md5.toString("hex")}"`;
  }

  /** Joins the parts named (in ascending order, each with its ETag) into the object, in one step. */
  async completeUpload(
    bucketName: string,
    key: string,
    uploadId: string,
    parts: ReadonlyArray<{ partNumber: number; etag: string }>,
  ): Promise<ObjectVersion> {
    const bucket = this.bucket(bucketName);
    const upload = this.upload(bucketName, key, uploadId);
    if (parts.length === 0) throw new S3Error("MalformedXML");
    const chosen = parts.map((part, index) => {
      const stored = upload.parts.get(part.partNumber);
      if (!stored || `"${stored.md5.toString("hex")}"` !== `"${part.etag.replaceAll('"', "")}"`)
        throw new S3Error("InvalidPart", undefined, { PartNumber: String(part.partNumber) });
      if (index > 0 && part.partNumber <= (parts[index - 1]?.partNumber ?? 0))
        throw new S3Error("InvalidPartOrder");
      if (index < parts.length - 1 && stored.size < S3_LIMITS.minPartBytes)
        throw new S3Error("EntityTooSmall", undefined, { PartNumber: String(part.partNumber) });
      return stored;
    });
    const file = this.incomingFile();
    const output = createWriteStream(file);
    for (const part of chosen) await pipeline(createReadStream(part.file), output, { end: false });
    await new Promise<void>((resolve, reject) =>
      output.end((error?: Error | null) => (error ? reject(error) : resolve())),
    );
    const etag = `"${createHash("md5")
      .update(Buffer.concat(chosen.map((part) => part.md5)))
      .digest("hex")}-${chosen.length}"`;
    const size = chosen.reduce((total, part) => total + part.size, 0);
    try {
      const version = this.commit(bucket, key, file, { size, etag }, upload.options);
      await this.abortUpload(bucketName, key, uploadId);
      return version;
    } catch (error) {
      await rm(file, { force: true });
      throw error;
    }
  }

  async abortUpload(bucketName: string, key: string, uploadId: string): Promise<void> {
    const upload = this.upload(bucketName, key, uploadId);
    this.bucket(bucketName).uploads.delete(uploadId);
    await Promise.all([...upload.parts.values()].map((part) => rm(part.file, { force: true })));
  }

  close(): void {
    rmSync(this.root, { recursive: true, force: true });
  }

  private commit(
    bucket: BucketState,
    key: string,
    incoming: string,
    content: { size: number; etag: string },
    options: PutOptions,
  ): ObjectVersion {
    const versions = bucket.objects.get(key) ?? [];
    const current = versions.at(-1);
    // Checked when the write completes, not when it starts: of two racing conditional writes, one wins.
    if (options.ifNoneMatch === "*" && current && !current.deleteMarker)
      throw new S3Error("PreconditionFailed", undefined, { Condition: "If-None-Match" });
    const versionId = bucket.versioned ? newVersionId() : "null";
    const file = path.join(this.root, `${randomBytes(16).toString("hex")}.object`);
    const version: ObjectVersion = {
      key,
      versionId,
      deleteMarker: false,
      ...content,
      contentType: options.contentType ?? "application/octet-stream",
      metadata: options.metadata ?? {},
      lastModified: new Date(),
      file,
      sequencer: this.nextSequencer(),
    };
    // A rename within one folder tree, after the checks: the object appears whole or not at all.
    renameSync(incoming, file);
    if (bucket.versioned) bucket.objects.set(key, [...versions, version]);
    else {
      for (const replaced of versions) if (replaced.file) rmSync(replaced.file, { force: true });
      bucket.objects.set(key, [version]);
    }
    return version;
  }

  private bucket(name: string): BucketState {
    const bucket = this.buckets.get(name);
    if (!bucket) throw new S3Error("NoSuchBucket", undefined, { BucketName: name });
    return bucket;
  }

  private upload(bucketName: string, key: string, uploadId: string) {
    const upload = this.bucket(bucketName).uploads.get(uploadId);
    if (!upload || upload.key !== key) throw new S3Error("NoSuchUpload", undefined, { UploadId: uploadId });
    return upload;
  }

  private incomingFile(): string {
    return path.join(this.root, "incoming", randomBytes(16).toString("hex"));
  }

  private nextSequencer(): string {
    this.sequence += 1;
    return this.sequence.toString(16).toUpperCase().padStart(16, "0");
  }
}

/** A version id shaped like S3's: 32 URL-safe characters. */
function newVersionId(): string {
  return randomBytes(24).toString("base64url");
}

function crc32Base64(value: number): string {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(value >>> 0);
  return bytes.toString("base64");
}

function checkKey(key: string): void {
  if (key.length === 0 || Buffer.byteLength(key) > S3_LIMITS.maxKeyBytes)
    throw new S3Error("InvalidArgument", "Object key must be between 1 and 1024 bytes long");
}

function checkMetadata(metadata: Readonly<Record<string, string>>): void {
  const bytes = Object.entries(metadata).reduce(
    (total, [name, value]) => total + Buffer.byteLength(name) + Buffer.byteLength(value),
    0,
  );
  if (bytes > S3_LIMITS.maxMetadataBytes)
    throw new S3Error("InvalidArgument", "Your metadata headers exceed the maximum allowed metadata size.");
}
