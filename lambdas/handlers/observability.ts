import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics } from "@aws-lambda-powertools/metrics";

/**
 * One logger and one metrics emitter per function. Service name, namespace and
 * log level come from the POWERTOOLS_* variables the function construct sets.
 */
export const logger = new Logger();
export const metrics = new Metrics();
