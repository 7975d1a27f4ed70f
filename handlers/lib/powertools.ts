import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics } from "@aws-lambda-powertools/metrics";
import { Tracer } from "@aws-lambda-powertools/tracer";

// Created once per execution environment; service name and namespace come from POWERTOOLS_* variables.
export const logger = new Logger();
export const tracer = new Tracer();
export const metrics = new Metrics();
