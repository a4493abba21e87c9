import { MetricUnit } from "@aws-lambda-powertools/metrics";
import type { SQSRecord } from "aws-lambda";
import * as z from "zod";
import { deliveriesFor } from "../core/webhooks";
import { now, webhookQueue, webhookStore } from "./composition-root";
import { logger, metrics } from "./observability";
import { parseQueuedEvent, sqsBatchHandler } from "./queued-event";

const store = webhookStore();
const queue = webhookQueue();
const busEvent = z.looseObject({ id: z.string(), "detail-type": z.string(), time: z.string(), detail: z.unknown() });

/**
 * One event from the bus → one delivery message per subscribed endpoint. A failure retries the whole event:
 * deliveries already queued are queued again with the same `webhook-id`, which receivers dedup.
 */
async function processMessage(message: SQSRecord) {
  const event = parseQueuedEvent(message, busEvent);
  const deliveries = deliveriesFor(event, await store.list(), now());
  await queue.enqueue(deliveries.map((delivery) => ({ message: delivery, delaySeconds: 0 })));
  metrics.addMetric("WebhookDeliveriesQueued", MetricUnit.Count, deliveries.length);
  logger.info("webhook fan-out", { eventId: event.id, type: event["detail-type"], deliveries: deliveries.length });
}

export const handler = sqsBatchHandler(processMessage);
