import { dev } from "../../environments/dev.ts";
import { findConfigProblems, type JobSettings } from "../../environments/environment-config.ts";
import { ENVIRONMENTS } from "../../environments/index.ts";
import { isTimeZone, scheduleExpressionProblem } from "../../environments/jobs-config.ts";

/** The problems of dev with its job settings changed as stated. */
function problemsWith(jobs: Partial<JobSettings>): string[] {
  return findConfigProblems({ ...dev, jobs: { ...dev.jobs, ...jobs } });
}

describe("job settings", () => {
  it("are valid in every shipped environment; the canary runs every 5 minutes in staging and prod, not in dev", () => {
    for (const config of ENVIRONMENTS) expect(findConfigProblems(config), config.name).toEqual([]);
    const canaries = Object.fromEntries(ENVIRONMENTS.map((config) => [config.name, config.jobs.canary]));
    expect(canaries.dev?.enabled).toBe(false);
    for (const name of ["staging", "prod"]) {
      expect(canaries[name]?.enabled, name).toBe(true);
      expect(canaries[name]?.expression, name).toBe("rate(5 minutes)");
    }
  });

  it.each([
    ["rate(5 minutes)", undefined],
    ["rate(1 day)", undefined],
    ["cron(0 3 * * ? *)", undefined],
    ["cron(0 6 ? * MON *)", undefined],
    ["at(2027-01-01T00:00:00)", undefined],
    ["rate(1 minutes)", 'write "1 minute"'],
    ["rate(5 minute)", 'write "5 minutes"'],
    ["rate(0 minutes)", "a rate must be at least 1"],
    ["cron(0 3 * * * *)", 'a cron expression needs "?" in exactly one of day-of-month'],
    ["cron(0 3 * *)", "must be"],
    ["every day", "must be"],
  ])("reads the schedule expression %s", (expression, problem) => {
    if (problem === undefined) expect(scheduleExpressionProblem(expression)).toBeUndefined();
    else expect(scheduleExpressionProblem(expression)).toContain(problem);
  });

  it("knows IANA time zones and refuses others", () => {
    expect(isTimeZone("Europe/London")).toBe(true);
    expect(isTimeZone("UTC")).toBe(true);
    expect(isTimeZone("Europe/Londn")).toBe(false);
    expect(isTimeZone("")).toBe(false);
  });

  it.each([
    [
      { cleanup: { ...dev.jobs.cleanup, expression: "daily" } },
      'jobs.cleanup.expression: "daily" must be "rate(',
    ],
    [
      { report: { ...dev.jobs.report, timeZone: "Mars/Olympus" } },
      'jobs.report.timeZone: "Mars/Olympus" is not an IANA time zone',
    ],
    [
      { retry: { maximumRetryAttempts: 186, maximumEventAgeSeconds: 3600 } },
      "jobs.retry.maximumRetryAttempts: must be an integer from 0 to 185, got 186",
    ],
    [
      { retry: { maximumRetryAttempts: 2, maximumEventAgeSeconds: 30 } },
      "jobs.retry.maximumEventAgeSeconds: must be an integer from 60 to 86400, got 30",
    ],
    [{ reportRetentionDays: 0 }, "jobs.reportRetentionDays: must be an integer from 1 to 3650, got 0"],
    [
      { canary: { ...dev.jobs.canary, outcomeTimeoutSeconds: 20 } },
      "jobs.canary.outcomeTimeoutSeconds: 3 waits of 20 s must end within jobs.timeoutSeconds (60 s)",
    ],
    [
      { timeoutSeconds: 120, canary: { ...dev.jobs.canary, expression: "rate(1 minute)" } },
      "jobs.canary.expression: runs every 60 s, less than jobs.timeoutSeconds (120 s)",
    ],
  ])("names the field of a bad setting: %j", (jobs, problem) => {
    expect(problemsWith(jobs as Partial<JobSettings>).join("\n")).toContain(problem);
  });

  it("refuses an enabled canary without a machine client to sign in as", () => {
    const { machineClient: _, ...identity } = dev.identity;
    const problems = findConfigProblems({
      ...dev,
      identity,
      jobs: { ...dev.jobs, canary: { ...dev.jobs.canary, enabled: true } },
    });
    expect(problems).toContain(
      "jobs.canary.enabled: the canary signs in as identity.machineClient; add one or disable the canary",
    );
  });
});
