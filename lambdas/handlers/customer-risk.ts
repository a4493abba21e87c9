import { MetricUnit } from "@aws-lambda-powertools/metrics";
import type { SQSRecord } from "aws-lambda";
import * as z from "zod";
import { responseRecordedDetailSchema } from "../contracts/events";
import { assessCustomerRisk } from "../core/customer-risk";
import { customerRisk } from "./composition-root";
import { logger, metrics } from "./observability";
import { parseQueuedEvent, sqsBatchHandler } from "./queued-event";

const ports = customerRisk();
const responseRecordedEvent = z.object({ detail: responseRecordedDetailSchema }).passthrough();

/** Each response from a known customer: recompute their churn risk; publish Customer At Risk on a crossing. */
async function processMessage(message: SQSRecord) {
  const { detail } = parseQueuedEvent(message, responseRecordedEvent);
  if (!detail.customer) return;
  const { crossed } = await assessCustomerRisk(detail.customer.id, `response ${detail.id}`, ports);
  if (crossed) metrics.addMetric("CustomersAtRisk", MetricUnit.Count, 1);
  logger.info("customer risk assessed", { responseId: detail.id, crossed });
}

export const handler = sqsBatchHandler(processMessage);
