import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import middy from "@middy/core";
import type { ScheduledEvent } from "aws-lambda";
import { CaseStore } from "../adapters/case-store";
import { dynamoDocumentClient, eventBridgeClient } from "../adapters/clients";
import { CustomerStore } from "../adapters/customer-store";
import { EventPublisher } from "../adapters/event-publisher";
import { MetricsStore } from "../adapters/metrics-store";
import { ResponseStore } from "../adapters/response-store";
import { readEnv } from "../contracts/runtime-env";
import { sendWeeklyDigest } from "../core/digest";
import { notifierWiring } from "./notifier-wiring";
import { logger, metrics } from "./observability";

const env = readEnv(["tableName", "eventBusName", "churnRiskThreshold", "digestRecipients", "metricsTimeZone"]);
const client = dynamoDocumentClient();
const cases = new CaseStore(client, env.tableName);
const responses = new ResponseStore(client, env.tableName);
const ports = {
  ...notifierWiring(),
  aggregates: new MetricsStore(client, env.tableName, env.metricsTimeZone),
  timeZone: env.metricsTimeZone,
  responses: { comment: async (id: string) => (await responses.get(id))?.record.comment ?? null },
  cases,
  deliveries: cases,
  customers: new CustomerStore(client, env.tableName),
  events: new EventPublisher(eventBridgeClient(), env.eventBusName),
  riskThreshold: env.churnRiskThreshold,
  recipients: env.digestRecipients,
  now: () => new Date(),
};

/** Runs weekly: last week's NPS, CSAT, CES, drivers, overdue cases and revenue at risk, to the managers. */
export const handler = middy<ScheduledEvent, { week: { from: string; to: string }; sent: string[] }>()
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics))
  .handler(async () => {
    const { week, sent } = await sendWeeklyDigest(ports);
    metrics.addMetric("DigestsSent", MetricUnit.Count, sent.length);
    logger.info("weekly digest sent", { week, sent });
    return { week, sent };
  });
