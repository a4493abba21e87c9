import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics } from "@aws-lambda-powertools/metrics";

/**
 * One logger and one metrics emitter per function. Service name, namespace, log level and debug
 * sample rate come from the POWERTOOLS_* variables the function construct sets.
 */
export const logger = new Logger();

/**
 * Metrics reports through the logger, at its level. Its notice that an invocation recorded no metric
 * is routine here (most record none), so it is a debug line: as a warning it was a line of CloudWatch
 * Logs on every such invocation.
 */
const EMPTY_METRICS_NOTICE = "No application metrics to publish";
export const metrics = new Metrics({
  logger: {
    debug: (message: string) => logger.debug(message),
    info: (message: string) => logger.info(message),
    warn: (message: string) =>
      message.startsWith(EMPTY_METRICS_NOTICE) ? logger.debug(message) : logger.warn(message),
    error: (message: string) => logger.error(message),
  },
});
