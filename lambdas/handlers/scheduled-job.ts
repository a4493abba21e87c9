import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import middy from "@middy/core";
import type { Context, ScheduledEvent } from "aws-lambda";
import { logger, metrics } from "./observability";

/**
 * The entry point of a scheduled job: runs it, emits its one count metric, and logs a summary
 * (ids and counts only, never respondents' text). A throw fails the invocation, so EventBridge retries it.
 */
export function scheduledJob<R>(
  name: string,
  run: (context: Context) => Promise<R>,
  report: (result: R) => { metric: string; count: number; summary: Record<string, unknown> },
) {
  return middy<ScheduledEvent, R>()
    .use(injectLambdaContext(logger))
    .use(logMetrics(metrics))
    .handler(async (_event, context) => {
      const result = await run(context);
      const { metric, count, summary } = report(result);
      metrics.addMetric(metric, MetricUnit.Count, count);
      logger.info(`${name} finished`, summary);
      return result;
    });
}
