import { MetricUnit } from "@aws-lambda-powertools/metrics";
import type { SQSRecord } from "aws-lambda";
import * as z from "zod";
import type { Case } from "../contracts/cases";
import { caseEventDetailSchema, DetailType } from "../contracts/events";
import { notifyCase, storedCustomerName } from "../core/case-alerts";
import { caseStore, customerStore, followUpConfig, notifiers, now, responseStore } from "./composition-root";
import { logger, metrics } from "./observability";
import { parseQueuedEvent, sqsBatchHandler } from "./queued-event";

const names = { responses: responseStore(), customers: customerStore() };
const ports = {
  deliveries: caseStore(),
  ...notifiers(),
  config: followUpConfig(),
  now,
  customerName: (item: Case) => storedCustomerName(item, names),
};
const caseEvent = z
  .object({
    "detail-type": z.enum([DetailType.CaseOpened, DetailType.CaseEscalated]),
    detail: caseEventDetailSchema,
  })
  .passthrough();

/** A failure here leaves the message on the queue: it is retried after the visibility timeout, then goes to the DLQ. */
async function processMessage(message: SQSRecord) {
  const event = parseQueuedEvent(message, caseEvent);
  const trigger =
    event["detail-type"] === DetailType.CaseOpened
      ? ({ kind: "opened" } as const)
      : ({ kind: "escalated", level: event.detail.level ?? event.detail.case.escalationLevel } as const);
  const sent = await notifyCase(event.detail.case, trigger, ports);
  for (const channel of sent) metrics.addMetric(`AlertsSent_${channel}`, MetricUnit.Count, 1);
  logger.info("alert processed", { caseId: event.detail.case.id, trigger: trigger.kind, sent });
}

export const handler = sqsBatchHandler(processMessage);
