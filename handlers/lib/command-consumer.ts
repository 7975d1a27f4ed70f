import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import {
  type Command,
  commandSchema,
  describeIssues,
  type Operation,
  operationSchema,
  ownerSchema,
  requestIdSchema,
} from "./contracts.ts";
import { PermanentError } from "./errors.ts";
import { backOff, isPermanentSdkFault } from "./faults.ts";
import { COMMAND_MAX_AGE_SECONDS } from "./limits.ts";
import { countOutcome } from "./outcome-metrics.ts";
import { errorOutcome, publishOutcome, successOutcome } from "./outcomes.ts";
import { logger, metrics } from "./powertools.ts";

/** Carries out one command; throws PermanentError for faults a retry cannot fix. */
export type OperationHandler = (command: Command, record: SQSRecord) => Promise<unknown>;

export type OperationHandlers = Partial<Record<Operation, OperationHandler>>;

/**
 * Builds the Lambda handler of one command queue. Every record ends in exactly one of three ways:
 * a `success` outcome, an `error` outcome (permanent fault, acknowledged), or a batch item failure
 * (retryable fault, or a message with no request id to answer), which SQS redelivers and finally
 * moves to the DLQ.
 */
export function createCommandConsumer(handlers: OperationHandlers) {
  const processor = new BatchProcessor(EventType.SQS);
  // A message too broken to name its operation is answered as the queue's own operation family.
  const queueOperation = (Object.keys(handlers) as Operation[])[0] ?? "create";

  const processRecord = async (record: SQSRecord): Promise<Operation> => {
    const command = parseCommand(record);
    const ageSeconds = (Date.now() - command.requestedAt) / 1000;
    if (ageSeconds > COMMAND_MAX_AGE_SECONDS)
      throw new PermanentError(
        "REFUSED",
        `the command was accepted ${Math.floor(ageSeconds / 86_400)} days ago, longer than the ${COMMAND_MAX_AGE_SECONDS / 86_400} days a command may wait: send the request again`,
      );
    const operate = handlers[command.operation];
    if (!operate) {
      throw new PermanentError("VALIDATION", `operation "${command.operation}" is not served by this queue`);
    }
    const result = await operate(command, record);
    try {
      await publishOutcome(command.owner, successOutcome(command.requestId, command.operation, result));
    } catch (error) {
      // The change is stored: whatever the send's error, answering it as refused would tell the client a lie.
      // Retried instead; the operation is idempotent by request id, so the retry answers the same success.
      throw new OutcomeNotSent(error);
    }
    return command.operation;
  };

  const recordHandler = async (record: SQSRecord): Promise<void> => {
    try {
      const operation = await processRecord(record);
      metrics.addMetric("CommandSucceeded", MetricUnit.Count, 1);
      countOutcome(operation, "success");
    } catch (error) {
      const permanent = asPermanent(error);
      if (!permanent) {
        logger.error("Command failed; SQS will redeliver it after a backoff", {
          messageId: record.messageId,
          error,
        });
        metrics.addMetric("RecordFailed", MetricUnit.Count, 1);
        await backOff(record);
        throw error;
      }
      const requestId = recoverRequestId(record);
      const owner = recoverOwner(record);
      if (requestId === undefined || owner === undefined) {
        // Nobody to answer, and a retry would fail the same way: acknowledged, kept in the log for triage, and
        // counted (an alarm watches the count).
        logger.error("Unanswerable command acknowledged: it names no request id or owner", {
          messageId: record.messageId,
          reason: permanent.message,
          body: record.body.slice(0, 8192),
          attributes: record.messageAttributes,
        });
        metrics.addMetric("CommandUnanswerable", MetricUnit.Count, 1);
        return;
      }
      logger.warn("Command rejected", { requestId, code: permanent.code, reason: permanent.message });
      metrics.addMetric("CommandRejected", MetricUnit.Count, 1);
      // A service refusing a valid command is never the client's doing: an alarm watches this one.
      if (permanent.code === "REFUSED") metrics.addMetric("CommandRefused", MetricUnit.Count, 1);
      const operation = recoverOperation(record) ?? queueOperation;
      await publishOutcome(owner, errorOutcome(requestId, operation, permanent.code, permanent.message));
      countOutcome(operation, permanent.code);
    }
  };

  return async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    logger.addContext(context);
    try {
      // A batch whose every record failed is reported like any other, so SQS retries exactly those records.
      return await processPartialResponse(event, recordHandler, processor, {
        context,
        throwOnFullBatchFailure: false,
      });
    } finally {
      metrics.publishStoredMetrics();
    }
  };
}

/**
 * The permanent fault an error stands for, if it is one: a `PermanentError`, or an AWS SDK error of the
 * caller's making (`$fault: "client"`, not throttling), answered without naming internals.
 */
function asPermanent(error: unknown): PermanentError | undefined {
  if (error instanceof PermanentError) return error;
  if (error instanceof OutcomeNotSent) return undefined;
  if (!isPermanentSdkFault(error)) return undefined;
  const name = (error as Error).name;
  logger.error("Command refused by a service: not retried", { error });
  return new PermanentError(
    name === "ValidationException" ? "VALIDATION" : "REFUSED",
    `the command could not be carried out (${name})`,
  );
}

/** The outcome of a command that was carried out could not be sent: always retried, never answered as a failure. */
class OutcomeNotSent extends Error {
  constructor(override readonly cause: unknown) {
    super(
      `the outcome could not be sent: ${cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause)}`,
    );
    this.name = "OutcomeNotSent";
  }
}

function parseCommand(record: SQSRecord): Command {
  let body: unknown;
  try {
    body = JSON.parse(record.body);
  } catch {
    throw new PermanentError("VALIDATION", "message body is not JSON");
  }
  const parsed = commandSchema.safeParse(body);
  if (!parsed.success) throw new PermanentError("VALIDATION", describeIssues(parsed.error));
  return parsed.data;
}

/** The request id of a message that failed validation: from the body if readable, else the attribute. */
function recoverRequestId(record: SQSRecord): string | undefined {
  const candidates = [readBodyField(record, "requestId"), record.messageAttributes.requestId?.stringValue];
  return candidates.find((candidate): candidate is string => requestIdSchema.safeParse(candidate).success);
}

/** The owner of a message that failed validation: only from the body, where the template put the token's `sub`. */
function recoverOwner(record: SQSRecord): string | undefined {
  const owner = readBodyField(record, "owner");
  return ownerSchema.safeParse(owner).success ? (owner as string) : undefined;
}

function recoverOperation(record: SQSRecord): Operation | undefined {
  const candidates = [readBodyField(record, "operation"), record.messageAttributes.operation?.stringValue];
  return candidates.find((candidate): candidate is Operation => operationSchema.safeParse(candidate).success);
}

function readBodyField(record: SQSRecord, field: string): unknown {
  try {
    const body: unknown = JSON.parse(record.body);
    return typeof body === "object" && body !== null ? (body as Record<string, unknown>)[field] : undefined;
  } catch {
    return undefined;
  }
}
