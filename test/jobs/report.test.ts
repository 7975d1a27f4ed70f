import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import type { Context } from "aws-lambda";
import { OPERATIONS } from "../../handlers/catalogue.ts";
import type { JobAnswer } from "../../handlers/jobs/scheduled-job.ts";
import { JOBS_ENV } from "../../handlers/lib/environment.ts";
import { OUTCOME_KINDS } from "../../handlers/lib/outcome-metrics.ts";
import { JobServices } from "../../local/jobs/services.ts";
import { type S3Endpoint, startS3Endpoint } from "../../local/s3/endpoint.ts";
import { lambdaContext } from "../support/events.ts";
import { type HandlerPeers, startHandlerPeers } from "../support/handler-environment.ts";

type JobHandler = (event: unknown, context: Context) => Promise<JobAnswer<unknown>>;

const BUCKET = "crud-dev-reports-111111111111";
const TOPIC = "arn:aws:sns:eu-west-1:000000000000:crud-dev-reports";
const NAMESPACE = "EventCrudTest";

let peers: HandlerPeers;
let services: JobServices;
let endpoint: { url: string; close(): Promise<void> };
let s3: S3Endpoint;
let report: JobHandler;

beforeAll(async () => {
  peers = await startHandlerPeers();
  services = new JobServices();
  services.addTopic(TOPIC);
  endpoint = await services.listen();
  s3 = await startS3Endpoint({ buckets: [{ name: BUCKET, versioned: true }] });
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_CLOUDWATCH: endpoint.url,
    AWS_ENDPOINT_URL_SNS: endpoint.url,
    AWS_ENDPOINT_URL_S3: s3.url,
    [JOBS_ENV.environmentName]: "dev",
    [JOBS_ENV.reportsBucket]: BUCKET,
    [JOBS_ENV.reportTopicArn]: TOPIC,
    [JOBS_ENV.deadLetterQueues]: "commands=crud-dev-dlq,jobs=crud-dev-jobs-dlq",
  });
  ({ handler: report } = (await import("../../handlers/jobs/report.ts")) as { handler: JobHandler });
});

afterAll(async () => {
  await Promise.all([endpoint.close(), s3.close(), peers.close()]);
});

/** An EMF line as Powertools writes it for one command outcome. */
function outcomeLine(service: string, operation: string, outcome: string, at: number): string {
  return JSON.stringify({
    _aws: {
      Timestamp: at,
      CloudWatchMetrics: [
        {
          Namespace: NAMESPACE,
          Dimensions: [["service", "operation", "outcome"]],
          Metrics: [{ Name: "CommandOutcome", Unit: "Count" }],
        },
      ],
    },
    service,
    operation,
    outcome,
    CommandOutcome: 1,
  });
}

async function object(key: string): Promise<string> {
  const client = new S3Client({ forcePathStyle: true, endpoint: s3.url, region: "eu-west-1" });
  const answer = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return answer.Body?.transformToString() ?? "";
}

describe("the weekly report", () => {
  it("reports an empty week as zeros, in JSON and CSV, and announces it", async () => {
    const answer = await report(
      { job: "report", scheduledTime: "2026-11-02T06:00:00Z" },
      lambdaContext("crud-dev-job-report"),
    );
    expect(answer.status).toBe("done");
    const json = JSON.parse(await object("reports/dev/2026-11-02T06-00-00.000Z.json"));
    expect(json.items).toEqual({ created: 0, updated: 0, deleted: 0 });
    expect(json.week).toEqual({ start: "2026-10-26T06:00:00.000Z", end: "2026-11-02T06:00:00.000Z" });
    expect(json.outcomes).toHaveLength(OPERATIONS.length * OUTCOME_KINDS.length);
    expect(json.deadLetters).toEqual([
      { queue: "commands", sent: 0, mostVisible: 0 },
      { queue: "jobs", sent: 0, mostVisible: 0 },
    ]);
    const csv = await object("reports/dev/2026-11-02T06-00-00.000Z.csv");
    expect(csv.split("\r\n")[0]).toBe("section,name,detail,value");
    expect(csv).toContain("items,created,,0\r\n");
    const announced = services.published.at(-1);
    expect(announced?.topicArn).toBe(TOPIC);
    expect(JSON.parse(announced?.message ?? "{}").json).toBe(
      `s3://${BUCKET}/reports/dev/2026-11-02T06-00-00.000Z.json`,
    );
  });

  it("counts the week's outcomes by operation and code, and only that week's", async () => {
    const end = Date.parse("2026-11-09T06:00:00Z");
    const inWeek = end - 3 * 86_400_000;
    for (const line of [
      outcomeLine("items-create", "create", "success", inWeek),
      outcomeLine("items-create", "create", "success", inWeek + 1000),
      outcomeLine("items-create", "create", "VALIDATION", inWeek),
      outcomeLine("items-update", "update", "success", inWeek),
      outcomeLine("items-delete", "delete", "NOT_FOUND", inWeek),
      // Outside the week: before it, and at its end (the end is exclusive).
      outcomeLine("items-create", "create", "success", end - 8 * 86_400_000),
      outcomeLine("items-create", "create", "success", end),
    ])
      services.metrics.ingestLogLine(line);
    services.metrics.put(
      "AWS/SQS",
      "NumberOfMessagesSent",
      [{ Name: "QueueName", Value: "crud-dev-jobs-dlq" }],
      2,
      inWeek,
    );

    const answer = await report(
      { job: "report", scheduledTime: "2026-11-09T06:00:30Z" },
      lambdaContext("crud-dev-job-report"),
    );

    expect(answer.status === "done" && answer.result).toMatchObject({
      items: { created: 2, updated: 1, deleted: 0 },
    });
    const json = JSON.parse(await object("reports/dev/2026-11-09T06-00-00.000Z.json"));
    const count = (operation: string, outcome: string) =>
      json.outcomes.find(
        (row: { operation: string; outcome: string }) =>
          row.operation === operation && row.outcome === outcome,
      )?.count;
    expect(count("create", "VALIDATION")).toBe(1);
    expect(count("delete", "NOT_FOUND")).toBe(1);
    expect(count("get", "success")).toBe(0);
    expect(json.deadLetters).toContainEqual({ queue: "jobs", sent: 2, mostVisible: 0 });
  });

  it("fails, and gives its window back, when the topic is not there", async () => {
    process.env[JOBS_ENV.reportTopicArn] = `${TOPIC}-gone`;
    try {
      await expect(
        report({ job: "report", scheduledTime: "2026-11-16T06:00:00Z" }, lambdaContext()),
      ).rejects.toThrow(/Topic does not exist/);
    } finally {
      process.env[JOBS_ENV.reportTopicArn] = TOPIC;
    }
    const retried = await report({ job: "report", scheduledTime: "2026-11-16T06:00:00Z" }, lambdaContext());
    expect(retried.status).toBe("done");
  });
});
