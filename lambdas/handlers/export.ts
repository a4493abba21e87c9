import { MetricUnit } from "@aws-lambda-powertools/metrics";
import type { SQSRecord } from "aws-lambda";
import { exportStepMessageSchema } from "../contracts/exports";
import { runExportStep } from "../core/exports";
import { exportFiles, exportJobs, exportQueue, exportSource, exportStepMs, newId, now } from "./composition-root";
import { logger, metrics } from "./observability";
import { parseQueuedEvent, sqsBatchHandler } from "./queued-event";

const ports = {
  jobs: exportJobs(),
  reader: exportSource(),
  files: exportFiles(),
  queue: exportQueue(),
  now,
  newId,
  budgetMs: exportStepMs(),
};

/** One step of an export per message; a fault (the table, the bucket) leaves it for SQS to retry, then the DLQ. */
async function processMessage(message: SQSRecord) {
  const step = parseQueuedEvent(message, exportStepMessageSchema);
  const result = await runExportStep(step, ports);
  metrics.addMetric(`ExportSteps_${result}`, MetricUnit.Count, 1);
  logger.info("export step", { exportId: step.exportId, part: step.part, result });
}

export const handler = sqsBatchHandler(processMessage);
