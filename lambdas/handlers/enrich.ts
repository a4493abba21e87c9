import { MetricUnit } from "@aws-lambda-powertools/metrics";
import type { SQSRecord } from "aws-lambda";
import { queuedSubmissionSchema } from "../contracts/record";
import { recordResponse } from "../core/record-response";
import { aggregateStore, customerStore, enrichment, eventPublisher, now, responseStore } from "./composition-root";
import { logger, metrics } from "./observability";
import { parseQueuedEvent, sqsBatchHandler } from "./queued-event";

const ports = {
  ...enrichment(),
  customers: customerStore(),
  responses: responseStore(),
  events: eventPublisher(),
  metrics: aggregateStore(),
  now,
};

async function processMessage(message: SQSRecord): Promise<void> {
  const submission = parseQueuedEvent(message, queuedSubmissionSchema);
  const outcome = await recordResponse(submission, ports);
  metrics.addMetric(outcome === "duplicate" ? "DuplicateDeliveries" : "ResponsesRecorded", MetricUnit.Count, 1);
  logger.info("response processed", { responseId: submission.id, outcome });
}

export const handler = sqsBatchHandler(processMessage);
