import type { Construct } from "constructs";
import type { EnvironmentConfig } from "../../environments/environment-config.ts";
import { JOB_NAMES, type JobName, jobHandlerName } from "../../handlers/jobs/contract.ts";
import type { ApiKeyAccess } from "../constructs/api-key-access.ts";
import type { BundledFunction } from "../constructs/bundled-function.ts";
import { ScheduledJobs } from "../constructs/scheduled-jobs.ts";
import type { ServiceAlarms } from "../constructs/service-alarms.ts";
import type { UserDirectory } from "../constructs/user-directory.ts";
import type { Foundation } from "./foundation.ts";

/**
 * Scheduled jobs, part 1: the run ledger, the report topic and the canary's secret (the machine client's
 * credentials and the API key that meters it); before the functions step, which gives the jobs access to them.
 */
export function addScheduledJobs(
  scope: Construct,
  config: EnvironmentConfig,
  foundation: Foundation,
  sources: { users: UserDirectory; apiKeyAccess: ApiKeyAccess },
): ScheduledJobs {
  const { machineClient } = sources.users;
  return new ScheduledJobs(scope, "jobs", {
    namePrefix: config.namePrefix,
    accountId: config.accountId,
    key: foundation.serviceKey,
    pointInTimeRecovery: config.pointInTimeRecovery,
    deletionProtection: config.deletionProtection,
    reportRetentionDays: config.jobs.reportRetentionDays,
    canaryClient: machineClient
      ? {
          clientId: machineClient.id,
          clientSecret: machineClient.clientSecret,
          apiKey: sources.apiKeyAccess.apiKey.value,
        }
      : undefined,
  });
}

/** Scheduled jobs, part 2: the schedules, invoking the job functions' live aliases, and their alarms. */
export function scheduleJobs(
  jobs: ScheduledJobs,
  config: EnvironmentConfig,
  functions: Readonly<Record<string, BundledFunction>>,
  alarms: ServiceAlarms,
): void {
  jobs.schedule({
    schedules: config.jobs,
    retry: config.jobs.retry,
    functions: Object.fromEntries(
      JOB_NAMES.map((job) => [job, functions[jobHandlerName(job)] as BundledFunction]),
    ) as Record<JobName, BundledFunction>,
    alarms,
  });
}
