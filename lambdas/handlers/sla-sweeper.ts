import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import middy from "@middy/core";
import type { ScheduledEvent } from "aws-lambda";
import { sweepOverdue } from "../core/follow-up";
import { caseWiring } from "./case-wiring";
import { logger, metrics } from "./observability";

const wiring = caseWiring();
const ports = {
  cases: wiring.store,
  events: wiring.events,
  config: wiring.config,
  now: wiring.now,
  isConflict: wiring.isConflict,
};

/** Runs on a schedule: escalates overdue cases one level at a time. A rerun finds nothing new to do. */
export const handler = middy<ScheduledEvent, { checked: number; escalated: string[] }>()
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics))
  .handler(async () => {
    const result = await sweepOverdue(ports);
    metrics.addMetric("CasesEscalated", MetricUnit.Count, result.escalated.length);
    logger.info("sla sweep finished", { checked: result.checked, escalated: result.escalated.length });
    return result;
  });
