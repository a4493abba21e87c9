import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import middy from "@middy/core";
import type { SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import * as z from "zod";
import { responseRecordedDetailSchema } from "../contracts/events";
import { followUp } from "../core/follow-up";
import { caseWiring } from "./case-wiring";
import { logger, metrics } from "./observability";
import { parseQueuedEvent } from "./queued-event";

const wiring = caseWiring();
const ports = { cases: wiring.store, events: wiring.events, config: wiring.config, now: wiring.now };
const responseRecordedEvent = z.object({ detail: responseRecordedDetailSchema }).passthrough();
const processor = new BatchProcessor(EventType.SQS);

async function processMessage(message: SQSRecord) {
  const event = parseQueuedEvent(message, responseRecordedEvent);
  const outcome = await followUp(event, ports);
  if (outcome === "opened") metrics.addMetric("CasesOpened", MetricUnit.Count, 1);
  logger.info("follow-up processed", { responseId: event.detail.id, outcome });
}

export const handler = middy<SQSEvent, SQSBatchResponse>()
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics))
  .handler(async (event, context) =>
    processPartialResponse(event, processMessage, processor, {
      context,
      processInParallel: false,
      throwOnFullBatchFailure: false,
    }),
  );
