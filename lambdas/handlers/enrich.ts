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
  now,
};
const days = aggregateStore();

/** The day each message of a batch changed, by message id: marked once per day when the batch is done. */
type ChangedDays = Map<string, string>;

async function processMessage(message: SQSRecord, changedDayOf: ChangedDays): Promise<void> {
  const submission = parseQueuedEvent(message, queuedSubmissionSchema);
  const outcome = await recordResponse(submission, {
    ...ports,
    metrics: {
      timeZone: days.timeZone,
      markDayChanged: async (day) => {
        changedDayOf.set(message.messageId, day);
      },
    },
  });
  metrics.addMetric(outcome === "duplicate" ? "DuplicateDeliveries" : "ResponsesRecorded", MetricUnit.Count, 1);
  logger.info("response processed", { responseId: submission.id, outcome });
}

/**
 * One mark per day a batch touched, instead of one per response: the marks come after every record of
 * the batch is stored, and a message is acknowledged only once its day is marked. A mark that fails
 * fails its messages, which are redelivered, found stored, and marked then.
 */
async function markChangedDays(processed: readonly SQSRecord[], changedDayOf: ChangedDays): Promise<SQSRecord[]> {
  const byDay = new Map<string, SQSRecord[]>();
  for (const message of processed) {
    const day = changedDayOf.get(message.messageId);
    if (!day) continue;
    const messages = byDay.get(day) ?? [];
    messages.push(message);
    byDay.set(day, messages);
  }
  const unmarked: SQSRecord[] = [];
  for (const [day, messages] of byDay) {
    try {
      await days.markDayChanged(day, now());
    } catch (error) {
      logger.error("marking a changed day failed; its messages will be redelivered", { day, error });
      unmarked.push(...messages);
    }
  }
  return unmarked;
}

export const handler = sqsBatchHandler(processMessage, {
  begin: (): ChangedDays => new Map(),
  settle: markChangedDays,
});
