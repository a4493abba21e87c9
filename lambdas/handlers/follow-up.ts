import { MetricUnit } from "@aws-lambda-powertools/metrics";
import type { SQSRecord } from "aws-lambda";
import * as z from "zod";
import { customerAtRiskDetailSchema, DetailType, responseRecordedDetailSchema } from "../contracts/events";
import { followUp, followUpAtRisk } from "../core/case-opening";
import { caseStore, eventPublisher, followUpConfig, now } from "./composition-root";
import { logger, metrics } from "./observability";
import { parseQueuedEvent, sqsBatchHandler } from "./queued-event";

const ports = { cases: caseStore(), events: eventPublisher(), config: followUpConfig(), now };
const followUpEvent = z.discriminatedUnion("detail-type", [
  z
    .object({ "detail-type": z.literal(DetailType.ResponseRecorded), detail: responseRecordedDetailSchema })
    .passthrough(),
  z.object({ "detail-type": z.literal(DetailType.CustomerAtRisk), detail: customerAtRiskDetailSchema }).passthrough(),
]);

async function processMessage(message: SQSRecord) {
  const event = parseQueuedEvent(message, followUpEvent);
  const outcome =
    event["detail-type"] === DetailType.CustomerAtRisk
      ? await followUpAtRisk(event.detail, ports)
      : await followUp(event, ports);
  if (outcome === "opened") metrics.addMetric("CasesOpened", MetricUnit.Count, 1);
  logger.info("follow-up processed", { detailType: event["detail-type"], outcome });
}

export const handler = sqsBatchHandler(processMessage);
