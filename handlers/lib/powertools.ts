import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics } from "@aws-lambda-powertools/metrics";

// Created once per execution environment; service name and namespace come from POWERTOOLS_* variables.
// No Powertools Tracer: with the X-Ray SDK it cost each cold start about a quarter and doubled some warm
// invocations (BENCHMARKS.md), for a subsegment per SDK call. Lambda's active tracing still records every
// invocation, and the SDK passes the trace header on to SQS, so a request's trace still spans its functions.
export const logger = new Logger();
export const metrics = new Metrics();
