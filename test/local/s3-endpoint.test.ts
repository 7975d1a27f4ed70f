import { execFile } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { promisify } from "node:util";
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import type { S3Event } from "aws-lambda";
import { Testing } from "cdktf";
import { Chaos } from "../../local/chaos/chaos.ts";
import { resolveEnvironment, unemulatedResourceTypes } from "../../local/emulations.ts";
import { localBuckets, s3Emulation } from "../../local/s3/emulation.ts";
import { type ObjectCreated, type S3Endpoint, startS3Endpoint } from "../../local/s3/endpoint.ts";
import { NotificationDelivery, type NotificationTarget } from "../../local/s3/notifications.ts";
import { PrivateBucket } from "../../stacks/constructs/private-bucket.ts";
import type { StackJson } from "../../synthesized/stack-json.ts";

const VERSIONED = "crud-test-files";
const PLAIN = "crud-test-plain";
const REGION = "eu-west-1";

let endpoint: S3Endpoint;
let s3: S3Client;
let created: ObjectCreated[];

beforeEach(async () => {
  created = [];
  endpoint = await startS3Endpoint({
    buckets: [
      { name: VERSIONED, versioned: true },
      { name: PLAIN, versioned: false },
    ],
    onObjectCreated: (event) => created.push(event),
  });
  s3 = new S3Client({
    region: REGION,
    endpoint: endpoint.url,
    forcePathStyle: true,
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
    maxAttempts: 1,
  });
});

afterEach(async () => {
  s3.destroy();
  await endpoint.close();
});

/** The S3 error code a call fails with (the SDK's error name), or "none". */
async function errorOf(call: Promise<unknown>): Promise<string> {
  try {
    await call;
    return "none";
  } catch (error) {
    return error instanceof S3ServiceException
      ? `${error.name} ${error.$metadata.httpStatusCode}`
      : String(error);
  }
}

const md5 = (bytes: Buffer) => createHash("md5").update(bytes).digest("hex");

describe("the local S3 endpoint, through @aws-sdk/client-s3", () => {
  it("stores an object with its type and metadata, and gives it back whole, by version", async () => {
    const first = await s3.send(
      new PutObjectCommand({
        Bucket: VERSIONED,
        Key: "imports/user 1/items.jsonl",
        Body: '{"name":"a"}\n',
        ContentType: "application/x-ndjson",
        Metadata: { source: "test" },
      }),
    );
    const second = await s3.send(
      new PutObjectCommand({ Bucket: VERSIONED, Key: "imports/user 1/items.jsonl", Body: "two" }),
    );

    expect(first.VersionId).toMatch(/^[\w-]{32}$/);
    expect(second.VersionId).not.toBe(first.VersionId);
    const latest = await s3.send(
      new GetObjectCommand({ Bucket: VERSIONED, Key: "imports/user 1/items.jsonl" }),
    );
    expect(await latest.Body?.transformToString()).toBe("two");
    expect(latest.VersionId).toBe(second.VersionId);
    const older = await s3.send(
      new GetObjectCommand({
        Bucket: VERSIONED,
        Key: "imports/user 1/items.jsonl",
        VersionId: first.VersionId,
      }),
    );
    expect(await older.Body?.transformToString()).toBe('{"name":"a"}\n');
    expect(older.ContentType).toBe("application/x-ndjson");
    expect(older.Metadata).toEqual({ source: "test" });
    expect(older.ETag).toBe(`"${md5(Buffer.from('{"name":"a"}\n'))}"`);
  });

  it("streams a body of 12 MB in and out (aws-chunked with its trailing checksum), byte for byte", async () => {
    const bytes = randomBytes(12 * 1024 * 1024);
    const chunks = Array.from({ length: 12 }, (_, index) =>
      bytes.subarray(index * 1024 * 1024, (index + 1) * 1024 * 1024),
    );
    await s3.send(
      new PutObjectCommand({
        Bucket: VERSIONED,
        Key: "big.bin",
        Body: Readable.from(chunks),
        ContentLength: bytes.length,
      }),
    );

    const head = await s3.send(new HeadObjectCommand({ Bucket: VERSIONED, Key: "big.bin" }));
    expect(head.ContentLength).toBe(bytes.length);
    const got = await s3.send(new GetObjectCommand({ Bucket: VERSIONED, Key: "big.bin" }));
    expect(md5(Buffer.from(await (got.Body?.transformToByteArray() ?? [])))).toBe(md5(bytes));
    const range = await s3.send(
      new GetObjectCommand({ Bucket: VERSIONED, Key: "big.bin", Range: "bytes=100-199" }),
    );
    expect(Buffer.from(await (range.Body?.transformToByteArray() ?? []))).toEqual(bytes.subarray(100, 200));
    expect(range.ContentRange).toBe(`bytes 100-199/${bytes.length}`);
  });

  it("refuses a body whose checksum does not match, and keeps nothing of it", async () => {
    const answer = await errorOf(
      s3.send(
        new PutObjectCommand({ Bucket: VERSIONED, Key: "bad.txt", Body: "hello", ChecksumCRC32: "AAAAAA==" }),
      ),
    );
    expect(answer).toBe("BadDigest 400");
    expect(await errorOf(s3.send(new HeadObjectCommand({ Bucket: VERSIONED, Key: "bad.txt" })))).toBe(
      "NotFound 404",
    );
  });

  it("writes once with If-None-Match: *, and refuses the second write with 412 PreconditionFailed", async () => {
    const put = () =>
      s3.send(new PutObjectCommand({ Bucket: VERSIONED, Key: "once.json", Body: "{}", IfNoneMatch: "*" }));
    expect(await errorOf(put())).toBe("none");
    expect(await errorOf(put())).toBe("PreconditionFailed 412");
    await s3.send(new DeleteObjectCommand({ Bucket: VERSIONED, Key: "once.json" }));
    expect(await errorOf(put())).toBe("none");
  });

  it("answers S3's error codes: NoSuchKey, NoSuchBucket, NoSuchVersion, InvalidRange", async () => {
    await s3.send(new PutObjectCommand({ Bucket: VERSIONED, Key: "here", Body: "x" }));
    expect(await errorOf(s3.send(new GetObjectCommand({ Bucket: VERSIONED, Key: "missing" })))).toBe(
      "NoSuchKey 404",
    );
    expect(await errorOf(s3.send(new GetObjectCommand({ Bucket: "not-a-bucket", Key: "x" })))).toBe(
      "NoSuchBucket 404",
    );
    expect(
      await errorOf(s3.send(new GetObjectCommand({ Bucket: VERSIONED, Key: "here", VersionId: "nope" }))),
    ).toBe("NoSuchVersion 404");
    expect(
      await errorOf(s3.send(new GetObjectCommand({ Bucket: VERSIONED, Key: "here", Range: "bytes=5-9" }))),
    ).toBe("InvalidRange 416");
  });

  it("hides a deleted object behind a delete marker in a versioned bucket, and forgets it in a plain one", async () => {
    const put = await s3.send(new PutObjectCommand({ Bucket: VERSIONED, Key: "gone", Body: "x" }));
    const deleted = await s3.send(new DeleteObjectCommand({ Bucket: VERSIONED, Key: "gone" }));
    expect(deleted.DeleteMarker).toBe(true);
    expect(await errorOf(s3.send(new GetObjectCommand({ Bucket: VERSIONED, Key: "gone" })))).toBe(
      "NoSuchKey 404",
    );
    const kept = await s3.send(
      new GetObjectCommand({ Bucket: VERSIONED, Key: "gone", VersionId: put.VersionId }),
    );
    expect(await kept.Body?.transformToString()).toBe("x");

    const plain = await s3.send(new PutObjectCommand({ Bucket: PLAIN, Key: "gone", Body: "x" }));
    expect(plain.VersionId).toBeUndefined();
    await s3.send(new DeleteObjectCommand({ Bucket: PLAIN, Key: "gone" }));
    expect(await errorOf(s3.send(new GetObjectCommand({ Bucket: PLAIN, Key: "gone" })))).toBe(
      "NoSuchKey 404",
    );
  });

  it("lists by prefix, a page at a time, with continuation tokens", async () => {
    for (const key of [
      "imports/a/1.csv",
      "imports/a/2.csv",
      "imports/b/3.csv",
      "results/a/1.csv.result.json",
    ])
      await s3.send(new PutObjectCommand({ Bucket: VERSIONED, Key: key, Body: key }));
    const keys: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await s3.send(
        new ListObjectsV2Command({
          Bucket: VERSIONED,
          Prefix: "imports/",
          MaxKeys: 2,
          ContinuationToken: token,
        }),
      );
      keys.push(...(page.Contents ?? []).map((object) => object.Key as string));
      token = page.NextContinuationToken;
      pages += 1;
    } while (token);
    expect(keys).toEqual(["imports/a/1.csv", "imports/a/2.csv", "imports/b/3.csv"]);
    expect(pages).toBe(2);
    const grouped = await s3.send(new ListObjectsV2Command({ Bucket: VERSIONED, Delimiter: "/" }));
    expect(grouped.CommonPrefixes?.map((common) => common.Prefix)).toEqual(["imports/", "results/"]);
  });

  it("copies an object with its metadata, and joins a multipart upload (parts of 5 MiB at least but the last)", async () => {
    await s3.send(
      new PutObjectCommand({ Bucket: VERSIONED, Key: "source", Body: "copied", ContentType: "text/plain" }),
    );
    await s3.send(new CopyObjectCommand({ Bucket: PLAIN, Key: "target", CopySource: `${VERSIONED}/source` }));
    const copy = await s3.send(new GetObjectCommand({ Bucket: PLAIN, Key: "target" }));
    expect(await copy.Body?.transformToString()).toBe("copied");
    expect(copy.ContentType).toBe("text/plain");

    const { UploadId } = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: VERSIONED, Key: "joined" }),
    );
    const parts = [randomBytes(5 * 1024 * 1024), Buffer.from("tail")];
    const etags = [];
    for (const [index, part] of parts.entries())
      etags.push(
        (
          await s3.send(
            new UploadPartCommand({
              Bucket: VERSIONED,
              Key: "joined",
              UploadId,
              PartNumber: index + 1,
              Body: part,
            }),
          )
        ).ETag,
      );
    const missingPart = await errorOf(
      s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: VERSIONED,
          Key: "joined",
          UploadId,
          MultipartUpload: {
            Parts: [
              { PartNumber: 1, ETag: etags[0] },
              { PartNumber: 3, ETag: etags[1] },
            ],
          },
        }),
      ),
    );
    expect(missingPart).toBe("InvalidPart 400");
    const smallPartFirst = await errorOf(
      s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: VERSIONED,
          Key: "joined",
          UploadId,
          MultipartUpload: {
            Parts: [
              { PartNumber: 2, ETag: etags[1] },
              { PartNumber: 3, ETag: etags[1] },
            ],
          },
        }),
      ),
    );
    expect(smallPartFirst).toBe("EntityTooSmall 400");
    const done = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: VERSIONED,
        Key: "joined",
        UploadId,
        MultipartUpload: { Parts: etags.map((ETag, index) => ({ PartNumber: index + 1, ETag })) },
      }),
    );
    expect(done.ETag).toMatch(/-2"$/);
    const joined = await s3.send(new GetObjectCommand({ Bucket: VERSIONED, Key: "joined" }));
    expect(md5(Buffer.from(await (joined.Body?.transformToByteArray() ?? [])))).toBe(
      md5(Buffer.concat(parts)),
    );
    expect(created.map((event) => event.eventName)).toEqual([
      "ObjectCreated:Put",
      "ObjectCreated:Copy",
      "ObjectCreated:CompleteMultipartUpload",
    ]);
  });
});

describe("presigned URLs on the local S3", () => {
  const presignedPut = (key: string, length: number, type: string, expiresIn = 300) =>
    getSignedUrl(
      s3,
      new PutObjectCommand({ Bucket: VERSIONED, Key: key, ContentLength: length, ContentType: type }),
      {
        expiresIn,
        signableHeaders: new Set(["content-length", "content-type"]),
      },
    );

  it("accepts the body the URL was signed for", async () => {
    const url = await presignedPut("imports/u/file.csv", 5, "text/csv");
    const response = await fetch(url, {
      method: "PUT",
      body: "a,b\n1",
      headers: { "content-type": "text/csv" },
    });
    expect(response.status).toBe(200);
    const stored = await s3.send(new GetObjectCommand({ Bucket: VERSIONED, Key: "imports/u/file.csv" }));
    expect(await stored.Body?.transformToString()).toBe("a,b\n1");
  });

  it("refuses another length, another type, another key and an expired URL", async () => {
    const url = await presignedPut("imports/u/file.csv", 5, "text/csv");
    const put = (target: string, body: string, type = "text/csv") =>
      fetch(target, { method: "PUT", body, headers: { "content-type": type } }).then(async (response) => ({
        status: response.status,
        code: /<Code>(\w+)<\/Code>/.exec(await response.text())?.[1],
      }));
    expect(await put(url, "a,b\n12")).toEqual({ status: 403, code: "SignatureDoesNotMatch" });
    expect(await put(url, "a,b\n1", "text/plain")).toEqual({ status: 403, code: "SignatureDoesNotMatch" });
    expect(await put(url.replace("file.csv", "other.csv"), "a,b\n1")).toEqual({
      status: 403,
      code: "SignatureDoesNotMatch",
    });
    const expired = await getSignedUrl(s3, new PutObjectCommand({ Bucket: VERSIONED, Key: "late" }), {
      expiresIn: 1,
      signingDate: new Date(Date.now() - 10_000),
    });
    expect(await put(expired, "x")).toEqual({ status: 403, code: "AccessDenied" });
    expect(created).toEqual([]);
  });
});

describe("object-created notifications", () => {
  const target: NotificationTarget = {
    bucket: VERSIONED,
    id: "imports",
    events: ["s3:ObjectCreated:*"],
    prefix: "imports/",
    suffix: "",
    functionName: "importer",
    qualifier: "live",
  };

  it("invokes the configured function with S3's event for matching keys only, the key URL-encoded", async () => {
    const invoked: Array<{ name: string; event: S3Event; qualifier?: string }> = [];
    const delivery = new NotificationDelivery(
      [target],
      async (name, event, qualifier) => {
        invoked.push({ name, event, qualifier });
      },
      { region: REGION, log: () => undefined },
    );
    const put = await s3.send(
      new PutObjectCommand({ Bucket: VERSIONED, Key: "imports/u/my file.csv", Body: "a" }),
    );
    await s3.send(
      new PutObjectCommand({ Bucket: VERSIONED, Key: "results/u/my file.csv.result.json", Body: "{}" }),
    );
    for (const event of created) delivery.objectCreated(event);
    await vi.waitFor(() => expect(invoked).toHaveLength(1));
    const record = invoked[0]?.event.Records[0];
    expect(invoked[0]?.qualifier).toBe("live");
    expect(record?.eventName).toBe("ObjectCreated:Put");
    expect(record?.s3.object).toEqual(
      expect.objectContaining({ key: "imports/u/my+file.csv", size: 1, versionId: put.VersionId }),
    );
    delivery.close();
  });

  it("delivers at least once: retries a failed invocation, and under chaos delivers some twice", async () => {
    let failures = 1;
    const invoked: S3Event[] = [];
    const logs: string[] = [];
    const delivery = new NotificationDelivery(
      [target],
      async (_, event) => {
        if (failures-- > 0) throw new Error("function failed");
        invoked.push(event);
      },
      {
        region: REGION,
        log: (line) => logs.push(line),
        timeScale: 0.0001,
        chaos: new Chaos(7, { ...Chaos.none.rates, duplicate: 1 }),
      },
    );
    await s3.send(new PutObjectCommand({ Bucket: VERSIONED, Key: "imports/u/a.csv", Body: "a" }));
    for (const event of created) delivery.objectCreated(event);
    await vi.waitFor(() => expect(invoked).toHaveLength(2));
    expect(invoked[0]).toEqual(invoked[1]);
    expect(logs.join("\n")).toMatch(/failed \(function failed\); retried/);
    delivery.close();
  });
});

const awsCli = process.env.AWS_CLI ?? "/usr/bin/aws";
describe.skipIf(!existsSync(awsCli))("the AWS CLI against the local S3", () => {
  it("copies a 10 MB file up (a multipart upload) and back down, and lists it", async () => {
    const folder = mkdtempSync(path.join(tmpdir(), "s3-cli-"));
    try {
      const file = path.join(folder, "upload.bin");
      const bytes = randomBytes(10 * 1024 * 1024);
      writeFileSync(file, bytes);
      const run = (...args: string[]) =>
        promisify(execFile)(awsCli, ["--endpoint-url", endpoint.url, ...args], {
          env: {
            ...process.env,
            AWS_ACCESS_KEY_ID: "local",
            AWS_SECRET_ACCESS_KEY: "local",
            AWS_DEFAULT_REGION: REGION,
          },
        });
      await run("s3", "cp", file, `s3://${VERSIONED}/imports/u/upload.bin`);
      await run("s3", "cp", `s3://${VERSIONED}/imports/u/upload.bin`, path.join(folder, "back.bin"));
      expect(md5(readFileSync(path.join(folder, "back.bin")))).toBe(md5(bytes));
      expect(created.at(-1)?.eventName).toBe("ObjectCreated:CompleteMultipartUpload");
      const listing = await run("s3", "ls", `s3://${VERSIONED}/imports/u/`);
      expect(listing.stdout).toMatch(/10485760 upload\.bin/);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});

describe("S3 in the runner's emulations", () => {
  const stack = JSON.parse(
    Testing.synthScope((scope) => {
      new PrivateBucket(scope, "files", {
        bucketName: VERSIONED,
        kmsKeyArn: "arn:aws:kms:eu-west-1:1:key/k",
      });
      new PrivateBucket(scope, "plain", { bucketName: PLAIN, s3ManagedEncryption: true, versioning: false });
    }),
  ) as StackJson;

  it("serves the stack's buckets by name, versioned as the stack says", () => {
    expect(localBuckets(stack)).toEqual([
      { name: VERSIONED, versioned: true },
      { name: PLAIN, versioned: false },
    ]);
  });

  it("resolves a bucket's name and ARN in a function's environment, and serves every bucket setting", () => {
    const bucketId = Object.keys(stack.resource.aws_s3_bucket ?? {})[0];
    const { variables, unresolved } = resolveEnvironment(
      stack,
      { BUCKET: `\${aws_s3_bucket.${bucketId}.bucket}`, ARN: `\${aws_s3_bucket.${bucketId}.arn}` },
      [s3Emulation],
    );
    expect(unresolved).toEqual([]);
    expect(variables).toEqual({ BUCKET: VERSIONED, ARN: `arn:aws:s3:::${VERSIONED}` });
    expect(unemulatedResourceTypes(stack, [s3Emulation])).toEqual([]);
  });
});
