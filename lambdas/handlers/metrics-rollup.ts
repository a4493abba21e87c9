import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import middy from "@middy/core";
import type { ScheduledEvent } from "aws-lambda";
import { dynamoDocumentClient } from "../adapters/clients";
import { MetricsStore } from "../adapters/metrics-store";
import { readEnv } from "../contracts/runtime-env";
import { rollUpChangedDays } from "../core/rollup";
import { logger, metrics } from "./observability";

const env = readEnv(["tableName", "metricsTimeZone"]);
const ports = {
  store: new MetricsStore(dynamoDocumentClient(), env.tableName, env.metricsTimeZone),
  now: () => new Date(),
};
/** Stop taking new days with this much time left; the days left stay marked for the next run. */
const SAFETY_MARGIN_MS = 20_000;

/** Runs on a schedule: recomputes the days whose responses changed since the last run. */
export const handler = middy<ScheduledEvent, { recomputed: string[]; left: number }>()
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics))
  .handler(async (_event, context) => {
    const result = await rollUpChangedDays(ports, () => context.getRemainingTimeInMillis() > SAFETY_MARGIN_MS);
    metrics.addMetric("DaysRecomputed", MetricUnit.Count, result.recomputed.length);
    logger.info("metrics rollup finished", { recomputed: result.recomputed, left: result.left });
    return result;
  });
