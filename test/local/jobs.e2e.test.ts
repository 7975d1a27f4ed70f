import { type RunningService, startLocalService } from "../../local/service-client.ts";

/** Runs a job on the runner now, as `npm run local -- run-job <job>` does. */
async function runJob(service: RunningService, job: string) {
  const response = await fetch(`${service.restUrl}/_local/jobs/${job}`, { method: "POST" });
  return (await response.json()) as {
    outcome: string;
    attempts: number;
    result?: { status: string; result?: { success?: boolean; failure?: string; latencyMs?: number } };
  };
}

describe("npm run local: scheduled jobs on demand", () => {
  let service: RunningService;
  beforeAll(async () => {
    service = await startLocalService();
  }, 90_000);
  afterAll(async () => {
    await service?.stop();
  });

  it("runs the canary as the machine client: create, read and delete through the API, each outcome on its socket", async () => {
    const answer = await runJob(service, "canary");
    expect(answer.outcome).toBe("delivered");
    expect(answer.result?.status).toBe("done");
    expect(answer.result?.result).toMatchObject({ success: true });
    expect(answer.result?.result?.latencyMs).toBeGreaterThan(0);
  });

  it("names the jobs it has when asked for one it has not, however the name is spelt", async () => {
    for (const job of ["nope", "Cleanup", "clean-up"]) {
      const response = await fetch(`${service.restUrl}/_local/jobs/${job}`, { method: "POST" });
      expect(response.status, job).toBe(404);
      expect(await response.json(), job).toEqual({ error: `no job "${job}"; jobs: cleanup, report, canary` });
    }
  });

  it("writes the week's report to the reports bucket and announces it on the topic", async () => {
    const answer = await runJob(service, "report");
    expect(answer.outcome).toBe("delivered");
    const { messages } = (await (await fetch(`${service.restUrl}/_local/sns`)).json()) as {
      messages: Array<{ topicArn: string; message: string }>;
    };
    const announced = messages.find((message) => message.topicArn.endsWith(":crud-dev-reports"));
    expect(JSON.parse(announced?.message ?? "{}").json).toMatch(
      /^s3:\/\/crud-dev-reports-\d+\/reports\/dev\//,
    );
  });

  it("answers an unknown job with the jobs there are", async () => {
    const response = await fetch(`${service.restUrl}/_local/jobs/backup`, { method: "POST" });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: 'no job "backup"; jobs: cleanup, report, canary' });
  });
});

describe("npm run local: a canary whose outcome never comes", () => {
  let service: RunningService;
  beforeAll(async () => {
    // Every outcome is lost on its way to the socket: the notification function fails each time.
    service = await startLocalService(["--inject-fault", "notification"]);
  }, 90_000);
  afterAll(async () => {
    await service?.stop();
  });

  it("fails its round with the step and the request it waited for, within its bound, and does not hang", async () => {
    const answer = await runJob(service, "canary");
    // A failed round is a measurement (CanarySuccess 0), not a failed invocation Scheduler would retry.
    expect(answer.outcome).toBe("delivered");
    expect(answer.result?.result?.success).toBe(false);
    expect(answer.result?.result?.failure).toMatch(/^create: no outcome for request \S+ within 15000 ms$/);
  }, 60_000);
});

describe("npm run local: a job that keeps failing", () => {
  let service: RunningService;
  beforeAll(async () => {
    service = await startLocalService(["--inject-fault", "job-cleanup"]);
  }, 90_000);
  afterAll(async () => {
    await service?.stop();
  });

  it("is retried under its schedule's policy, then its occurrence goes to the schedule's dead-letter queue", async () => {
    const answer = (await runJob(service, "cleanup")) as Awaited<ReturnType<typeof runJob>> & {
      error?: string;
    };
    // dev: two retries after the first attempt.
    expect(answer).toMatchObject({ outcome: "dead-lettered", attempts: 3 });
    expect(answer.error).toContain("injected fault");
    const stats = (await (await fetch(`${service.restUrl}/_local/stats`)).json()) as {
      queues: Record<string, number>;
    };
    expect(stats.queues["crud-dev-jobs-dlq"]).toBe(1);
  });
});
