import { type LocalSchedule, LocalScheduler, nextFireTime, targetInput } from "../../local/jobs/scheduler.ts";
import { SqsBroker } from "../../local/sqs/broker.ts";

const schedule = (overrides: Partial<LocalSchedule> = {}): LocalSchedule => ({
  name: "crud-dev-cleanup",
  arn: "arn:aws:scheduler:eu-west-1:000000000000:schedule/crud-dev-jobs/crud-dev-cleanup",
  expression: "cron(0 3 * * ? *)",
  timeZone: "Europe/London",
  enabled: true,
  functionName: "crud-dev-job-cleanup",
  qualifier: "live",
  input: JSON.stringify({
    job: "cleanup",
    scheduledTime: "<aws.scheduler.scheduled-time>",
    attemptNumber: "<aws.scheduler.attempt-number>",
  }),
  retry: { maximumRetryAttempts: 2, maximumEventAgeSeconds: 3600 },
  deadLetterQueue: "crud-dev-jobs-dlq",
  ...overrides,
});

describe("the local scheduler", () => {
  it("reads cron in the schedule's time zone: 03:00 in London is 03:00 UTC in winter and 02:00 UTC in summer", () => {
    expect(
      nextFireTime("cron(0 3 * * ? *)", "Europe/London", new Date("2027-01-10T12:00:00Z"))?.toISOString(),
    ).toBe("2027-01-11T03:00:00.000Z");
    expect(
      nextFireTime("cron(0 3 * * ? *)", "Europe/London", new Date("2027-07-10T12:00:00Z"))?.toISOString(),
    ).toBe("2027-07-11T02:00:00.000Z");
    // 2027-01-11 is a Monday: the weekly report's next Monday 06:00 from a Tuesday is six days on.
    expect(nextFireTime("cron(0 6 ? * MON *)", "UTC", new Date("2027-01-12T00:00:00Z"))?.toISOString()).toBe(
      "2027-01-18T06:00:00.000Z",
    );
    expect(nextFireTime("rate(5 minutes)", "UTC", new Date("2027-01-12T00:00:00Z"))?.toISOString()).toBe(
      "2027-01-12T00:05:00.000Z",
    );
  });

  it("fills in the context attributes of the target input", () => {
    expect(targetInput(schedule(), new Date("2027-01-11T03:00:00.000Z"), "execution", 2)).toEqual({
      job: "cleanup",
      scheduledTime: "2027-01-11T03:00:00Z",
      attemptNumber: "2",
    });
  });

  it("retries a failing target as its policy says, then sends the input to the dead-letter queue with Scheduler's attributes", async () => {
    const broker = new SqsBroker([
      {
        name: "crud-dev-jobs-dlq",
        arn: "arn:aws:sqs:eu-west-1:000000000000:crud-dev-jobs-dlq",
        visibilityTimeoutSeconds: 30,
      },
    ]);
    const attempts: unknown[] = [];
    const scheduler = new LocalScheduler(
      [schedule()],
      {
        invoke: async (_name, event) => {
          attempts.push(event);
          throw new Error("crud-dev-job-cleanup: Task timed out after 60 seconds");
        },
        sendToQueue: (queue, body, attributes) => broker.send(queue, body, attributes),
        log: () => undefined,
      },
      { retryBaseMs: 5 },
    );
    const delivery = await scheduler.deliver(schedule(), new Date("2027-01-11T03:00:00Z"));
    expect(delivery).toMatchObject({ outcome: "dead-lettered", attempts: 3 });
    expect(attempts.map((event) => (event as { attemptNumber: string }).attemptNumber)).toEqual([
      "0",
      "1",
      "2",
    ]);
    const [message] = broker.peek("crud-dev-jobs-dlq");
    expect(JSON.parse(message?.body ?? "{}")).toMatchObject({
      job: "cleanup",
      scheduledTime: "2027-01-11T03:00:00Z",
    });
    expect(message?.attributes.ERROR_MESSAGE?.StringValue).toContain("Task timed out");
    expect(message?.attributes.EXHAUSTED_RETRY_CONDITION?.StringValue).toBe("MaximumRetryAttempts");
    broker.close();
  });

  it("stops retrying when the occurrence is older than the maximum event age", async () => {
    let calls = 0;
    const scheduler = new LocalScheduler(
      [],
      {
        invoke: async () => {
          calls += 1;
          throw new Error("throttled");
        },
        sendToQueue: () => undefined,
        log: () => undefined,
      },
      // The first backoff alone (at least half of 240 s) is past an event age of 60 s.
      { retryBaseMs: 240_000 },
    );
    const delivery = await scheduler.deliver(
      schedule({ retry: { maximumRetryAttempts: 185, maximumEventAgeSeconds: 60 } }),
      new Date(),
    );
    expect(delivery).toMatchObject({ outcome: "dead-lettered", attempts: 1 });
    expect(calls).toBe(1);
  });
});

describe("the local scheduler, started", () => {
  it("fires an enabled schedule at its time with the occurrence's input, and leaves a disabled one alone", async () => {
    const at = new Date(Math.ceil((Date.now() + 1500) / 1000) * 1000);
    const expression = `at(${at.toISOString().slice(0, 19)})`;
    const delivered: Array<{ name: string; event: unknown }> = [];
    const scheduler = new LocalScheduler(
      [
        schedule({ expression, timeZone: "UTC" }),
        schedule({
          name: "crud-dev-canary",
          functionName: "crud-dev-job-canary",
          expression,
          enabled: false,
        }),
      ],
      {
        invoke: async (name, event) => {
          delivered.push({ name, event });
          return { status: "done" };
        },
        sendToQueue: () => undefined,
        log: () => undefined,
      },
    );
    scheduler.start();
    try {
      for (let waited = 0; delivered.length === 0 && waited < 5000; waited += 50)
        await new Promise((resolve) => setTimeout(resolve, 50));
      await new Promise((resolve) => setTimeout(resolve, 200));
    } finally {
      scheduler.stop();
    }
    expect(delivered).toEqual([
      {
        name: "crud-dev-job-cleanup",
        event: { job: "cleanup", scheduledTime: at.toISOString().replace(".000Z", "Z"), attemptNumber: "0" },
      },
    ]);
  });
});
