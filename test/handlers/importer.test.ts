import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import v8 from "node:v8";
import { runInNewContext } from "node:vm";
import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { SQSClient } from "@aws-sdk/client-sqs";
import { DynamoDBDocumentClient, ScanCommand } from "@aws-sdk/lib-dynamodb";
import type {
  APIGatewayProxyEvent,
  APIGatewayProxyResult,
  Context,
  S3Event,
  SQSBatchResponse,
  SQSEvent,
} from "aws-lambda";
import { dev } from "../../environments/dev.ts";
import { CommandSender, importCommandId } from "../../handlers/imports/commands.ts";
import { MAX_ROW_CHARS, parseCsvRecord } from "../../handlers/imports/rows.ts";
import { commandSchema } from "../../handlers/lib/contracts.ts";
import { ENV, IMPORTS_ENV } from "../../handlers/lib/environment.ts";
import { Chaos } from "../../local/chaos/chaos.ts";
import { createTables, type DynamoPeer, localClient, startDynamo } from "../../local/dynamodb.ts";
import { localBuckets } from "../../local/s3/emulation.ts";
import { type ObjectCreated, type S3Endpoint, startS3Endpoint } from "../../local/s3/endpoint.ts";
import { NotificationDelivery, readBucketNotifications } from "../../local/s3/notifications.ts";
import { SqsBroker, type StoredMessage } from "../../local/sqs/broker.ts";
import { type SqsEndpoint, startSqsEndpoint } from "../../local/sqs/endpoint.ts";
import { ITEMS_BY_OWNER_INDEX } from "../../stacks/names.ts";
import { readTables } from "../../synthesized/service-model.ts";
import { ALICE, BOB, lambdaContext, sqsEvent, sqsRecord } from "../support/events.ts";
import { synthesizedStack } from "../support/synthesized.ts";

const stack = synthesizedStack("dev");
const [target] = readBucketNotifications(stack);
if (!target) throw new Error("the dev stack notifies no function of uploads");
const BUCKET = target.bucket;
const CREATE = `${dev.namePrefix}-create`;
const NOTIFICATIONS = `${dev.namePrefix}-notifications`;

type ImportHandler = (event: S3Event, context: Context) => Promise<void>;
type CreateHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

let dynamo: DynamoPeer;
let broker: SqsBroker;
let sqs: SqsEndpoint;
let s3Endpoint: S3Endpoint;
let s3: S3Client;
let documents: DynamoDBDocumentClient;
let importFile: ImportHandler;
let create: CreateHandler;
let grantUpload: (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;
const created: ObjectCreated[] = [];
const events = new NotificationDelivery([target], async () => undefined, {
  region: dev.region,
  log: () => {},
});

beforeAll(async () => {
  dynamo = await startDynamo(process.cwd());
  await createTables(readTables(stack), dynamo.endpoint);
  broker = new SqsBroker(
    [CREATE, NOTIFICATIONS].map((name) => ({
      name,
      arn: `arn:aws:sqs:eu-west-1:000000000000:${name}`,
      visibilityTimeoutSeconds: 65,
    })),
  );
  sqs = await startSqsEndpoint(broker);
  s3Endpoint = await startS3Endpoint({
    buckets: localBuckets(stack),
    onObjectCreated: (object) => created.push(object),
  });
  Object.assign(process.env, {
    AWS_REGION: "eu-west-1",
    AWS_ACCESS_KEY_ID: "local",
    AWS_SECRET_ACCESS_KEY: "local",
    AWS_MAX_ATTEMPTS: "3",
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    AWS_ENDPOINT_URL_SQS: sqs.url,
    AWS_ENDPOINT_URL_S3: s3Endpoint.url,
    POWERTOOLS_LOG_LEVEL: "SILENT",
    POWERTOOLS_METRICS_NAMESPACE: "EventCrudTest",
    POWERTOOLS_SERVICE_NAME: "test",
    POWERTOOLS_METRICS_DISABLED: "true",
    [ENV.itemsTable]: `${dev.namePrefix}-items`,
    [ENV.itemsByOwnerIndex]: ITEMS_BY_OWNER_INDEX,
    [ENV.notificationsQueueUrl]: sqs.queueUrl(NOTIFICATIONS),
    [IMPORTS_ENV.createQueueUrl]: sqs.queueUrl(CREATE),
    [IMPORTS_ENV.maxFileBytes]: String(100 * 1024 * 1024),
    [IMPORTS_ENV.maxRows]: "1000000",
    [IMPORTS_ENV.bucketName]: BUCKET,
    [IMPORTS_ENV.uploadUrlExpirySeconds]: "300",
  });
  s3 = new S3Client({ endpoint: s3Endpoint.url, forcePathStyle: true, region: "eu-west-1" });
  documents = DynamoDBDocumentClient.from(localClient(dynamo.endpoint));
  ({ handler: importFile } = await import("../../handlers/imports/import.ts"));
  ({ handler: create } = await import("../../handlers/items/create.ts"));
  ({ handler: grantUpload } = await import("../../handlers/imports/upload-url.ts"));
});

afterAll(async () => {
  s3.destroy();
  documents.destroy();
  events.close();
  await Promise.all([sqs.close(), s3Endpoint.close(), dynamo.close()]);
  broker.close();
});

beforeEach(() => {
  for (const queue of [CREATE, NOTIFICATIONS]) takeAll(queue);
});

function takeAll(queue: string): StoredMessage[] {
  const messages = broker.receive(queue, Number.MAX_SAFE_INTEGER);
  for (const message of messages) broker.delete(queue, message.receiptHandle ?? "");
  return messages;
}

/** Uploads a file as a user would, and returns the event S3 sends the importer for it. */
async function upload(
  name: string,
  body: string | Buffer | (() => NodeJS.ReadableStream),
  owner = ALICE,
): Promise<S3Event> {
  const key = `imports/${owner}/${name}`;
  const content = typeof body === "function" ? body() : body;
  await s3.send(
    new PutObjectCommand({
      Bucket: BUCKET,
      Key: key,
      Body: content as never,
      ...(typeof body === "function" ? { ContentLength: sizeOf.get(name) } : {}),
    }),
  );
  const object = created.findLast((candidate) => candidate.object.key === key);
  if (!object) throw new Error(`no object-created event for ${key}`);
  return events.eventFor(target as NonNullable<typeof target>, object);
}
const sizeOf = new Map<string, number>();

interface ImportResult {
  file: string;
  versionId: string;
  rows: Array<{ line: number; status: "queued" | "refused"; requestId?: string; reason?: string }>;
  totals: { rows: number; queued: number; refused: number };
  refusalsNotListed?: number;
  status: "completed" | "rejected" | "stopped";
  problem?: string;
}

async function resultOf(name: string, owner = ALICE): Promise<ImportResult> {
  const answer = await s3.send(
    new GetObjectCommand({ Bucket: BUCKET, Key: `results/${owner}/${name}.result.json` }),
  );
  return JSON.parse(await (answer.Body?.transformToString() ?? "")) as ImportResult;
}

function commands() {
  return takeAll(CREATE).map((message) => ({
    command: commandSchema.parse(JSON.parse(message.body)),
    attributes: message.attributes,
  }));
}

const ownItems = async (owner: string) =>
  ((await documents.send(new ScanCommand({ TableName: `${dev.namePrefix}-items` }))).Items ?? []).filter(
    (item) => item.owner === owner,
  );

describe("the importer", () => {
  it("queues each valid JSON line as the REST create command, owned by the uploader, and refuses the rest naming why", async () => {
    const lines = [
      JSON.stringify({ name: "Desk lamp", description: "brass" }),
      "",
      "{not json",
      JSON.stringify({ name: "" }),
      JSON.stringify({ name: "Chair", colour: "red" }),
      JSON.stringify(["a list"]),
      JSON.stringify({ name: "x".repeat(201) }),
      JSON.stringify({ name: "Table" }),
    ];
    const event = await upload("mixed.jsonl", `${lines.join("\n")}\n`);

    await importFile(event, lambdaContext("importer"));

    const result = await resultOf("mixed.jsonl");
    const source = { bucket: BUCKET, key: `imports/${ALICE}/mixed.jsonl`, versionId: result.versionId };
    expect(result.status).toBe("completed");
    expect(result.totals).toEqual({ rows: 7, queued: 2, refused: 5 });
    expect(result.rows).toEqual([
      { line: 3, status: "refused", reason: expect.stringMatching(/^not JSON: /) },
      { line: 4, status: "refused", reason: "name: must not be empty" },
      { line: 5, status: "refused", reason: 'unknown field "colour"' },
      { line: 6, status: "refused", reason: "must be a JSON object with name and, optionally, description" },
      { line: 7, status: "refused", reason: "name: must be at most 200 characters" },
      { line: 1, status: "queued", requestId: importCommandId(source, 1) },
      { line: 8, status: "queued", requestId: importCommandId(source, 8) },
    ]);
    const sent = commands();
    expect(sent.map(({ command }) => ({ ...command, requestedAt: 0 }))).toEqual([
      {
        requestId: importCommandId(source, 1),
        owner: ALICE,
        operation: "create",
        id: null,
        payload: { name: "Desk lamp", description: "brass" },
        query: null,
        requestedAt: 0,
      },
      expect.objectContaining({
        owner: ALICE,
        payload: { name: "Table" },
        requestId: importCommandId(source, 8),
      }),
    ]);
    expect(sent[0]?.attributes).toEqual({
      operation: { DataType: "String", StringValue: "create" },
      requestId: { DataType: "String", StringValue: importCommandId(source, 1) },
    });
  });

  it("reads CSV with quoted commas, quotes, line breaks and empty optional fields", async () => {
    const csv = [
      "name,description",
      '"Lamp, brass","a ""vintage"" one"',
      'Shelf,"two',
      'lines"',
      "Stool,",
      "Too,many,fields",
      'Bad"quote,x',
      '"Unclosed,x',
    ].join("\r\n");
    const event = await upload("quoted.csv", csv);

    await importFile(event, lambdaContext("importer"));

    const result = await resultOf("quoted.csv");
    expect(result.rows.filter((row) => row.status === "refused")).toEqual([
      { line: 6, status: "refused", reason: "the row has 3 fields, the header 2" },
      {
        line: 7,
        status: "refused",
        reason: expect.stringMatching(/^not CSV: a quote inside an unquoted field/),
      },
      { line: 8, status: "refused", reason: "a quoted field is not closed before the end of the file" },
    ]);
    expect(commands().map(({ command }) => command.payload)).toEqual([
      { name: "Lamp, brass", description: 'a "vintage" one' },
      { name: "Shelf", description: "two\nlines" },
      { name: "Stool" },
    ]);
    expect(result.rows.filter((row) => row.status === "queued").map((row) => row.line)).toEqual([2, 3, 5]);
  });

  it.each([
    [
      "no-header.csv",
      "Lamp,brass\n",
      /^header \(line 1\): the first line must name the columns, and one must be "name"/,
    ],
    ["extra-column.csv", "name,price\nLamp,3\n", /^header \(line 1\): unknown column "price"/],
    ["empty.csv", "", /^the file is empty: a CSV import starts with a header line/],
    ["items.txt", "name\nLamp\n", /^the file must be \.jsonl or \.csv: got "items\.txt"/],
  ])("rejects %s with a result naming the problem, and queues nothing", async (name, body, problem) => {
    await importFile(await upload(name, body), lambdaContext("importer"));

    const result = await resultOf(name);
    expect(result.status).toBe("rejected");
    expect(result.problem).toMatch(problem);
    expect(result.totals).toEqual({ rows: 0, queued: 0, refused: 0 });
    expect(commands()).toEqual([]);
  });

  it("stops at bytes that are not UTF-8, keeping the rows before them, and says where", async () => {
    const body = Buffer.concat([
      Buffer.from(`${JSON.stringify({ name: "Before" })}\n`),
      Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d, 0x0a]),
      Buffer.from(`${JSON.stringify({ name: "After" })}\n`),
    ]);
    await importFile(await upload("latin1.jsonl", body), lambdaContext("importer"));

    const result = await resultOf("latin1.jsonl");
    expect(result.status).toBe("stopped");
    expect(result.problem).toMatch(
      /^the file is not UTF-8 text: an invalid byte sequence in line 2, which starts at byte 18$/,
    );
    expect(commands().map(({ command }) => command.payload)).toEqual([{ name: "Before" }]);
  });

  it("refuses a file larger than the environment allows without reading it", async () => {
    process.env[IMPORTS_ENV.maxFileBytes] = "100";
    const body = `${JSON.stringify({ name: "x".repeat(150) })}\n`;
    try {
      await importFile(await upload("big.jsonl", body), lambdaContext());
    } finally {
      process.env[IMPORTS_ENV.maxFileBytes] = String(100 * 1024 * 1024);
    }
    const result = await resultOf("big.jsonl");
    expect(result.problem).toBe(`the file has ${body.length} bytes, more than the 100 an import takes`);
    expect(commands()).toEqual([]);
  });

  it("imports no more rows than the environment allows, and says from which line it stopped", async () => {
    process.env[IMPORTS_ENV.maxRows] = "3";
    const body = ["a", "b", "c", "d", "e"].map((name) => JSON.stringify({ name })).join("\n");
    try {
      await importFile(await upload("many.jsonl", body), lambdaContext());
    } finally {
      process.env[IMPORTS_ENV.maxRows] = "1000000";
    }
    const result = await resultOf("many.jsonl");
    expect(result.status).toBe("stopped");
    expect(result.problem).toBe(
      "the file has more than the 3 rows an import takes: the rows from line 4 on were not imported",
    );
    expect(commands().map(({ command }) => command.payload)).toEqual([
      { name: "a" },
      { name: "b" },
      { name: "c" },
    ]);
  });

  it("lists the first thousand refused rows and counts the rest, so bad rows cannot swell the result", async () => {
    await importFile(await upload("junk.jsonl", "1\n".repeat(5000)), lambdaContext());
    const result = await resultOf("junk.jsonl");
    expect(result.totals).toEqual({ rows: 5000, queued: 0, refused: 5000 });
    expect(result.rows).toHaveLength(1000);
    expect(result.refusalsNotListed).toBe(4000);
  });

  it("gives up on a quoted CSV field that never closes after a hundred lines, instead of parsing on and on", async () => {
    const body = `name\n"${"\n".repeat(60_000)}`;
    await importFile(await upload("open-quote.csv", body), lambdaContext());
    const result = await resultOf("open-quote.csv");
    expect(result.rows[0]).toEqual({
      line: 2,
      status: "refused",
      reason: "a quoted field spans more than 100 lines: is a closing quote missing?",
    });
    expect(commands()).toEqual([]);
  });

  it("refuses a row longer than it reads, and goes on with the next", async () => {
    const long = JSON.stringify({ name: "x", description: "y".repeat(MAX_ROW_CHARS) });
    await importFile(
      await upload("long.jsonl", `${long}\n${JSON.stringify({ name: "Next" })}\n`),
      lambdaContext(),
    );
    const result = await resultOf("long.jsonl");
    expect(result.rows[0]).toEqual({
      line: 1,
      status: "refused",
      reason: `the row is longer than ${MAX_ROW_CHARS} characters`,
    });
    expect(commands().map(({ command }) => command.payload)).toEqual([{ name: "Next" }]);
  });

  it("creates nothing twice when S3 delivers the event again: the same commands, the same items", async () => {
    const rows = Array.from({ length: 25 }, (_, index) => JSON.stringify({ name: `Item ${index}` }));
    const event = await upload("twice.jsonl", `${rows.join("\n")}\n`, BOB);

    await importFile(event, lambdaContext());
    await importFile(event, lambdaContext());

    const sent = commands();
    expect(sent).toHaveLength(50);
    expect(new Set(sent.map(({ command }) => command.requestId)).size).toBe(25);
    const records = takeAllAsRecords(sent);
    for (let start = 0; start < records.length; start += 10)
      expect(
        (await create(sqsEvent(...records.slice(start, start + 10)), lambdaContext())).batchItemFailures,
      ).toEqual([]);
    const items = await ownItems(BOB);
    expect(items).toHaveLength(25);
    expect(new Set(items.map((item) => item.name)).size).toBe(25);
  });

  it("retries the entries SQS fails inside a batch, and queues every row once under its id", async () => {
    const chaotic = new SqsBroker([
      { name: CREATE, arn: `arn:aws:sqs:eu-west-1:000000000000:${CREATE}`, visibilityTimeoutSeconds: 65 },
    ]);
    const flaky = await startSqsEndpoint(chaotic, 0, new Chaos(3, { ...Chaos.none.rates, sdkFault: 0.3 }));
    const client = new SQSClient({ endpoint: flaky.url, region: "eu-west-1", maxAttempts: 10 });
    try {
      const settled: number[] = [];
      const sender = new CommandSender(
        client,
        (results) => void settled.push(...results.map((result) => result.line)),
        {
          queueUrl: flaky.queueUrl(CREATE),
          entryAttempts: 20,
          sleep: async () => undefined,
        },
      );
      const source = { bucket: BUCKET, key: "imports/x/y.jsonl", versionId: "v1" };
      for (let line = 1; line <= 100; line += 1)
        await sender.add(line, {
          requestId: importCommandId(source, line),
          owner: ALICE,
          operation: "create",
          id: null,
          payload: { name: `n${line}` },
          query: null,
          requestedAt: 1,
        });
      await sender.finish();

      const queued = chaotic.receive(CREATE, Number.MAX_SAFE_INTEGER);
      expect(new Set(queued.map((message) => JSON.parse(message.body).requestId)).size).toBe(100);
      expect(queued).toHaveLength(100);
      expect([...settled].sort((a, b) => a - b)).toEqual(
        Array.from({ length: 100 }, (_, index) => index + 1),
      );
    } finally {
      client.destroy();
      await flaky.close();
      chaotic.close();
    }
  });

  it("streams a 100 MB file: every row queued, the result complete, the file never held in memory", async () => {
    const folder = mkdtempSync(path.join(tmpdir(), "import-100mb-"));
    const file = path.join(folder, "large.jsonl");
    try {
      // About 52,000 rows of 2 KB (descriptions near their limit): a file at the limit that a test reads in
      // seconds. Throughput on rows of 80 bytes is the benchmark's (npm run bench:import).
      const output = createWriteStream(file);
      const row = (index: number) =>
        `${JSON.stringify({ name: `Item ${index}`, description: "d".repeat(1950) })}\n`;
      let rows = 0;
      for (let bytes = 0; ; rows += 1) {
        const text = row(rows);
        if (bytes + text.length > 100 * 1024 * 1024) break;
        bytes += text.length;
        if (!output.write(text)) await new Promise<void>((resolve) => output.once("drain", () => resolve()));
      }
      await new Promise<void>((resolve) => output.end(() => resolve()));
      sizeOf.set("large.jsonl", statSync(file).size);
      const event = await upload("large.jsonl", () => createReadStream(file));
      // The commands are taken off the queue as they arrive, as the create consumer would.
      const drain = setInterval(() => takeAll(CREATE), 50);
      // What the import holds, not what it has dropped: each sample is taken after a full collection (the heap
      // between collections also holds garbage, as much as a busy machine lets pile up), and after the queue is
      // drained (the local broker shares this process).
      v8.setFlagsFromString("--expose-gc");
      const collect = runInNewContext("gc") as () => void;
      const retainedHeap = () => {
        takeAll(CREATE);
        collect();
        return process.memoryUsage().heapUsed;
      };
      let heapPeak = 0;
      const sampler = setInterval(() => {
        heapPeak = Math.max(heapPeak, retainedHeap());
      }, 250);
      const heapBefore = retainedHeap();
      try {
        await importFile(event, lambdaContext());
      } finally {
        clearInterval(drain);
        clearInterval(sampler);
      }
      const result = await resultOf("large.jsonl");
      expect(result.status).toBe("completed");
      expect(result.totals).toEqual({ rows, queued: rows, refused: 0 });
      expect(result.rows).toHaveLength(rows);
      expect(statSync(file).size).toBeGreaterThan(100 * 1024 * 1024 - 4096);
      // Far less than the file: what is held is a few batches and the rows being parsed.
      expect(heapPeak - heapBefore).toBeLessThan(64 * 1024 * 1024);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  }, 600_000);
});

/** `POST /imports` as API Gateway hands it to the function: the body, and the authorizer's verified claims. */
function uploadRequest(body: unknown, sub: string | null = ALICE): APIGatewayProxyEvent {
  return {
    body: JSON.stringify(body),
    requestContext: { authorizer: sub === null ? {} : { claims: { sub, scope: "items/write" } } },
  } as unknown as APIGatewayProxyEvent;
}

describe("upload URLs (POST /imports)", () => {
  it("grants a PUT of exactly the declared file to the caller's own key, which then starts an import", async () => {
    const file = `${JSON.stringify({ name: "Granted" })}\n`;
    const answer = await grantUpload(uploadRequest({ name: "granted.jsonl", size: file.length }));
    expect(answer.statusCode).toBe(200);
    const grant = JSON.parse(answer.body) as {
      uploadUrl: string;
      headers: Record<string, string>;
      key: string;
      resultUrl: string;
    };
    expect(grant.key).toBe(`imports/${ALICE}/granted.jsonl`);
    // A checksum signed into the URL would be the empty body's, and S3 would refuse the file's bytes (BadDigest).
    expect(new URL(grant.uploadUrl).searchParams.has("x-amz-checksum-crc32")).toBe(false);
    expect(
      [...new URL(grant.uploadUrl).searchParams.keys()].filter((name) => name.includes("checksum")),
    ).toEqual([]);
    expect(grant.headers).toEqual({
      "content-type": "application/x-ndjson",
      "content-length": String(file.length),
    });

    const put = await fetch(grant.uploadUrl, {
      method: "PUT",
      body: file,
      headers: { "content-type": grant.headers["content-type"] as string },
    });
    expect(put.status).toBe(200);
    const object = created.findLast((candidate) => candidate.object.key === grant.key);
    if (!object) throw new Error("the upload made no object-created event");
    await importFile(events.eventFor(target as NonNullable<typeof target>, object), lambdaContext());
    const result = (await (await fetch(grant.resultUrl)).json()) as ImportResult;
    expect(result.totals).toEqual({ rows: 1, queued: 1, refused: 0 });
    expect(commands().map(({ command }) => command.owner)).toEqual([ALICE]);
  });

  it("lets the URL write nothing else: another size, another type, another key", async () => {
    const answer = await grantUpload(uploadRequest({ name: "strict.csv", size: 9 }));
    const grant = JSON.parse(answer.body) as { uploadUrl: string };
    const put = (url: string, body: string, type = "text/csv") =>
      fetch(url, { method: "PUT", body, headers: { "content-type": type } }).then(
        (response) => response.status,
      );
    expect(await put(grant.uploadUrl, "name\nlonger")).toBe(403);
    expect(await put(grant.uploadUrl, "name\nLamp", "application/x-ndjson")).toBe(403);
    expect(await put(grant.uploadUrl.replace(ALICE, BOB), "name\nLamp")).toBe(403);
    expect(await put(grant.uploadUrl, "name\nLamp")).toBe(200);
  });

  it.each([
    [
      { name: "../other/items.csv", size: 10 },
      "name: must be 1-100 letters, digits, '.', '_' or '-', not starting with '.'",
    ],
    [{ name: "items.xlsx", size: 10 }, "name: must end in .jsonl or .csv"],
    [
      { name: "items.csv", size: 100 * 1024 * 1024 + 1 },
      `size: must be the file's size in bytes, from 1 to ${100 * 1024 * 1024}`,
    ],
    [
      { name: "items.csv", size: 0 },
      `size: must be the file's size in bytes, from 1 to ${100 * 1024 * 1024}`,
    ],
  ])("refuses %o with 400 naming the field", async (body, error) => {
    const answer = await grantUpload(uploadRequest(body));
    expect(answer.statusCode).toBe(400);
    expect(JSON.parse(answer.body)).toEqual({ error });
  });

  it("grants nothing without the authorizer's claims", async () => {
    const answer = await grantUpload(uploadRequest({ name: "items.csv", size: 10 }, null));
    expect(answer.statusCode).toBe(500);
  });
});

describe("CSV records", () => {
  it("parses RFC 4180 fields, and asks for more text while a quoted field is open", () => {
    expect(parseCsvRecord('a,"b,c","d""e",')).toEqual(["a", "b,c", 'd"e', ""]);
    expect(parseCsvRecord('a,"open')).toBeUndefined();
    expect(() => parseCsvRecord('"closed"x,y')).toThrow(
      /a quoted field must end at a comma or the end of the row/,
    );
  });
});

function takeAllAsRecords(sent: ReturnType<typeof commands>) {
  return sent.map(({ command }, index) => sqsRecord(command, { messageId: `m-${index}` }));
}
