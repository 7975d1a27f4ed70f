import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { SchedulerSchedule } from "@cdktf/provider-aws/lib/scheduler-schedule";
import { SchedulerScheduleGroup } from "@cdktf/provider-aws/lib/scheduler-schedule-group";
import { SecretsmanagerSecret } from "@cdktf/provider-aws/lib/secretsmanager-secret";
import { SecretsmanagerSecretVersion } from "@cdktf/provider-aws/lib/secretsmanager-secret-version";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { Fn, TerraformOutput } from "cdktf";
import { Construct } from "constructs";
import type { JobSchedule, ScheduleRetry } from "../../environments/environment-config.ts";
import {
  JOB_NAMES,
  type JobName,
  jobHandlerName,
  REPORTS_PREFIX,
  scheduleInput,
} from "../../handlers/jobs/contract.ts";
import { ALARM_PERIOD_SECONDS } from "../defaults.ts";
import { allow, assumeRolePolicy, policyDocument, type ServiceKey, useKeyVia } from "../iam.ts";
import { METRICS_NAMESPACE } from "../names.ts";
import type { BundledFunction } from "./bundled-function.ts";
import { EncryptedTable } from "./encrypted-table.ts";
import { EventDeadLetterQueue } from "./event-dead-letter-queue.ts";
import { PrivateBucket } from "./private-bucket.ts";
import type { ServiceAlarms } from "./service-alarms.ts";

export interface ScheduledJobsProps {
  readonly namePrefix: string;
  readonly accountId: string;
  readonly key: ServiceKey;
  readonly pointInTimeRecovery: boolean;
  readonly deletionProtection: boolean;
  /** Days a report is kept: the reports bucket's lifecycle expires it then (no job lists and deletes). */
  readonly reportRetentionDays: number;
  /** Credentials of the canary's synthetic client, kept in a secret. @default no secret (the canary cannot sign in) */
  readonly canaryClient?: {
    readonly clientId: string;
    readonly clientSecret: string;
    /** The API key that meters the client on the REST stage. */
    readonly apiKey: string;
  };
}

export interface JobSchedulesProps {
  readonly schedules: Readonly<Record<JobName, JobSchedule>>;
  readonly retry: ScheduleRetry;
  /** The function of each job: its schedule invokes its live alias. */
  readonly functions: Readonly<Record<JobName, BundledFunction>>;
  readonly alarms: ServiceAlarms;
}

/** Where reports go in their bucket; the report job writes `reports/<environment>/<week end>.{json,csv}`. */

/** Consecutive 5-minute periods without a successful canary round before the alarm fires. */
export const CANARY_FAILED_PERIODS = 2;

/**
 * The scheduled jobs' resources: a ledger of job runs (a window's work done once), the report topic, the canary's
 * secret, and (`schedule`) a schedule group with one schedule per job, a retry policy and a dead-letter queue,
 * invoking each job's live alias through a role that may invoke exactly those, plus the canary's alarm.
 */
export class ScheduledJobs extends Construct {
  /** `<job>#<window>` once per run, expiring after a month. */
  readonly ledger: EncryptedTable;
  readonly reportTopic: SnsTopic;
  /** Weekly reports under `reports/<environment>/`, expired by lifecycle after the retention. */
  readonly reports: PrivateBucket;
  readonly canarySecret?: SecretsmanagerSecret;
  readonly group: SchedulerScheduleGroup;
  /** Occurrences Scheduler could not deliver after its retries. */
  readonly deadLetterQueue: EventDeadLetterQueue;
  readonly schedules: Partial<Record<JobName, SchedulerSchedule>> = {};
  private readonly props: ScheduledJobsProps;

  constructor(scope: Construct, id: string, props: ScheduledJobsProps) {
    super(scope, id);
    this.props = props;
    const prefix = props.namePrefix;
    this.ledger = new EncryptedTable(this, "ledger", {
      tableName: `${prefix}-job-runs`,
      partitionKey: "run",
      ttlAttribute: "expiresAt",
      kmsKeyArn: props.key.arn,
      pointInTimeRecovery: props.pointInTimeRecovery,
      deletionProtection: props.deletionProtection,
    });
    this.reports = new PrivateBucket(this, "reports", {
      bucketName: `${prefix}-reports-${props.accountId}`,
      kmsKeyArn: props.key.arn,
      expirations: [{ prefix: REPORTS_PREFIX, days: props.reportRetentionDays }],
    });
    this.reportTopic = new SnsTopic(this, "report-topic", {
      name: `${prefix}-reports`,
      kmsMasterKeyId: props.key.arn,
    });
    if (props.canaryClient) {
      this.canarySecret = new SecretsmanagerSecret(this, "canary-secret", {
        name: `${prefix}/canary-client`,
        description: "The canary's synthetic client: the machine client's id and secret, and its API key",
        kmsKeyId: props.key.arn,
      });
      new SecretsmanagerSecretVersion(this, "canary-secret-value", {
        secretId: this.canarySecret.id,
        secretString: Fn.jsonencode({ ...props.canaryClient }),
      });
    }
    this.group = new SchedulerScheduleGroup(this, "group", { name: `${prefix}-jobs` });
    this.deadLetterQueue = new EventDeadLetterQueue(this, "dead-letter", {
      queueName: `${prefix}-jobs-dlq`,
      kmsKeyArn: props.key.arn,
    });
    new TerraformOutput(this, "report_topic_arn", { value: this.reportTopic.arn }).overrideLogicalId(
      "report_topic_arn",
    );
  }

  /** One schedule per job, invoking its function's live alias; alarms on the dead-letter queue and the canary. */
  schedule(props: JobSchedulesProps): void {
    const role = this.schedulerRole(props.functions);
    for (const job of JOB_NAMES) {
      const schedule = props.schedules[job];
      this.schedules[job] = new SchedulerSchedule(this, `${job}-schedule`, {
        name: `${this.props.namePrefix}-${job}`,
        groupName: this.group.name,
        scheduleExpression: schedule.expression,
        scheduleExpressionTimezone: schedule.timeZone,
        state: schedule.enabled ? "ENABLED" : "DISABLED",
        // A job runs at its time: spreading it over a window would make the canary's periods uneven.
        flexibleTimeWindow: { mode: "OFF" },
        kmsKeyArn: this.props.key.arn,
        target: {
          arn: props.functions[job].alias.arn,
          roleArn: role.arn,
          input: scheduleInput(job),
          retryPolicy: {
            maximumRetryAttempts: props.retry.maximumRetryAttempts,
            maximumEventAgeInSeconds: props.retry.maximumEventAgeSeconds,
          },
          deadLetterConfig: { arn: this.deadLetterQueue.queue.arn },
        },
      });
    }
    props.alarms.watchDeadLetterQueue("jobs-dlq-not-empty", this.deadLetterQueue.queueName);
    // A canary that does not run would be missing data, which the alarm counts as failing.
    if (props.schedules.canary.enabled) this.watchCanary(props.functions.canary, props.alarms);
  }

  /** Scheduler's role: invoke the jobs' live aliases, nothing else, and set aside what it could not deliver. */
  private schedulerRole(functions: Readonly<Record<JobName, BundledFunction>>): IamRole {
    const role = new IamRole(this, "scheduler-role", {
      name: `${this.props.namePrefix}-scheduler`,
      assumeRolePolicy: assumeRolePolicy("scheduler.amazonaws.com", this.props.accountId),
    });
    new IamRolePolicy(this, "scheduler-policy", {
      name: "invoke-jobs",
      role: role.id,
      policy: policyDocument([
        allow(
          "InvokeJobAliases",
          ["lambda:InvokeFunction"],
          JOB_NAMES.map((job) => functions[job].alias.arn),
        ),
        allow("SendToScheduleDeadLetterQueue", ["sqs:SendMessage"], [this.deadLetterQueue.queue.arn]),
        // Decrypting each schedule's input (encrypted with the key), encrypting what goes to the dead-letter queue.
        useKeyVia(this.props.key, ["kms:Decrypt", "kms:GenerateDataKey"], ["scheduler", "sqs"]),
      ]),
    });
    return role;
  }

  /** The canary failing (or not running: missing data breaches) for consecutive periods pages. */
  private watchCanary(canary: BundledFunction, alarms: ServiceAlarms): void {
    new CloudwatchMetricAlarm(this, "canary-alarm", {
      alarmName: `${canary.functionName}-failing`,
      alarmDescription: `The canary's synthetic client failed ${CANARY_FAILED_PERIODS} rounds in a row: create, read or delete through the API did not come back on the WebSocket`,
      namespace: METRICS_NAMESPACE,
      metricName: "CanarySuccess",
      // Powertools names the service after the handler (POWERTOOLS_SERVICE_NAME).
      dimensions: { service: jobHandlerName("canary") },
      statistic: "Minimum",
      period: ALARM_PERIOD_SECONDS,
      evaluationPeriods: CANARY_FAILED_PERIODS,
      datapointsToAlarm: CANARY_FAILED_PERIODS,
      threshold: 1,
      comparisonOperator: "LessThanThreshold",
      treatMissingData: "breaching",
      alarmActions: [alarms.topic.arn],
      okActions: [alarms.topic.arn],
    });
  }
}
