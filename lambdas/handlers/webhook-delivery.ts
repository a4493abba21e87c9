import { MetricUnit } from "@aws-lambda-powertools/metrics";
import type { SQSRecord } from "aws-lambda";
import { deliveryMessageSchema } from "../contracts/webhooks";
import { attemptDelivery, type StoredWebhook, sendDisabledAlert } from "../core/webhooks";
import {
  deliveryLog,
  followUpConfig,
  notifiers,
  now,
  webhookDeliveryLog,
  webhookPoster,
  webhookQueue,
  webhookRetrySchedule,
  webhookStore,
} from "./composition-root";
import { logger, metrics } from "./observability";
import { parseQueuedEvent, sqsBatchHandler } from "./queued-event";

const alertPorts = { deliveries: deliveryLog(), ...notifiers(), now, contacts: followUpConfig().escalation };
const ports = {
  store: webhookStore(),
  log: webhookDeliveryLog(),
  queue: webhookQueue(),
  poster: webhookPoster(),
  retrySchedule: webhookRetrySchedule(),
  now,
  alertDisabled: async (webhook: StoredWebhook, disabledAt: string) => {
    const sent = await sendDisabledAlert(webhook, disabledAt, alertPorts);
    if (sent.length > 0) logger.warn("webhook disabled; admins alerted", { webhookId: webhook.id, sent });
  },
};

/**
 * One attempt per message. A failed attempt is not a failed message (its retry is queued with its backoff);
 * only a fault of ours (the table, the queue, an alert) leaves it for SQS to retry and, in the end, dead-letter.
 */
async function processMessage(message: SQSRecord) {
  const delivery = parseQueuedEvent(message, deliveryMessageSchema);
  const result = await attemptDelivery(delivery, ports);
  metrics.addMetric(`WebhookAttempts_${result}`, MetricUnit.Count, 1);
  // Ids and outcome only: the URL may carry a token, the body customer data.
  logger.info("webhook attempt", {
    webhookId: delivery.webhookId,
    messageId: delivery.messageId,
    attempt: delivery.attempt,
    result,
  });
}

export const handler = sqsBatchHandler(processMessage);
