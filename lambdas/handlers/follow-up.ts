import { MetricUnit } from "@aws-lambda-powertools/metrics";
import type { SQSRecord } from "aws-lambda";
import * as z from "zod";
import { responseRecordedDetailSchema } from "../contracts/events";
import { followUp } from "../core/follow-up";
import { caseWiring } from "./case-wiring";
import { logger, metrics } from "./observability";
import { parseQueuedEvent, sqsBatchHandler } from "./queued-event";

const wiring = caseWiring();
const ports = { cases: wiring.store, events: wiring.events, config: wiring.config, now: wiring.now };
const responseRecordedEvent = z.object({ detail: responseRecordedDetailSchema }).passthrough();

async function processMessage(message: SQSRecord) {
  const event = parseQueuedEvent(message, responseRecordedEvent);
  const outcome = await followUp(event, ports);
  if (outcome === "opened") metrics.addMetric("CasesOpened", MetricUnit.Count, 1);
  logger.info("follow-up processed", { responseId: event.detail.id, outcome });
}

export const handler = sqsBatchHandler(processMessage);
