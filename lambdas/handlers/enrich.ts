import { MetricUnit } from "@aws-lambda-powertools/metrics";
import type { SQSRecord } from "aws-lambda";
import { comprehendClient, dynamoDocumentClient, eventBridgeClient } from "../adapters/clients";
import { ComprehendSentiment } from "../adapters/comprehend-sentiment";
import { CustomerStore } from "../adapters/customer-store";
import { EventPublisher } from "../adapters/event-publisher";
import { MetricsStore } from "../adapters/metrics-store";
import { ResponseStore } from "../adapters/response-store";
import { queuedSubmissionSchema } from "../contracts/record";
import { readEnv } from "../contracts/runtime-env";
import { recordResponse } from "../core/record-response";
import { vaderAnalyzer } from "../core/sentiment";
import { createThemeMatcher } from "../core/themes";
import { logger, metrics } from "./observability";
import { parseQueuedEvent, sqsBatchHandler } from "./queued-event";

const env = readEnv([
  "tableName",
  "eventBusName",
  "themes",
  "sentimentProvider",
  "commentRetentionDays",
  "metricsTimeZone",
]);
const ports = {
  sentiment: env.sentimentProvider === "comprehend" ? new ComprehendSentiment(comprehendClient()) : vaderAnalyzer,
  themes: createThemeMatcher(env.themes),
  customers: new CustomerStore(dynamoDocumentClient(), env.tableName),
  responses: new ResponseStore(dynamoDocumentClient(), env.tableName, {
    commentRetentionDays: env.commentRetentionDays,
  }),
  events: new EventPublisher(eventBridgeClient(), env.eventBusName),
  metrics: new MetricsStore(dynamoDocumentClient(), env.tableName, env.metricsTimeZone),
  now: () => new Date(),
};

async function processMessage(message: SQSRecord): Promise<void> {
  const submission = parseQueuedEvent(message, queuedSubmissionSchema);
  const outcome = await recordResponse(submission, ports);
  metrics.addMetric(outcome === "duplicate" ? "DuplicateDeliveries" : "ResponsesRecorded", MetricUnit.Count, 1);
  logger.info("response processed", { responseId: submission.id, outcome });
}

export const handler = sqsBatchHandler(processMessage);
