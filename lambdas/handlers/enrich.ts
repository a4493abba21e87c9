import { MetricUnit } from "@aws-lambda-powertools/metrics";
import type { SQSRecord } from "aws-lambda";
import { queuedSubmissionSchema, type ResponseRecord } from "../contracts/record";
import { assessCustomerRisk } from "../core/customer-risk";
import { recordResponse } from "../core/record-response";
import {
  aggregateStore,
  customerRisk,
  customerStore,
  enrichment,
  eventPublisher,
  now,
  responseStore,
} from "./composition-root";
import { logger, metrics } from "./observability";
import { parseQueuedEvent, sqsBatchHandler } from "./queued-event";

const events = eventPublisher();
const ports = {
  ...enrichment(),
  customers: customerStore(),
  responses: responseStore(),
  now,
};
const days = aggregateStore();
const risk = customerRisk();

/** What a batch leaves to do once its records are stored and published, by message id. */
interface BatchWork {
  /** The day each message changed: marked once per day. */
  changedDayOf: Map<string, string>;
  /** The response each message published for a known customer: each customer assessed once. */
  publishedOf: Map<string, ResponseRecord>;
}

async function processMessage(message: SQSRecord, work: BatchWork): Promise<void> {
  const submission = parseQueuedEvent(message, queuedSubmissionSchema);
  const outcome = await recordResponse(submission, {
    ...ports,
    // A redelivered message publishes again (record-response.ts), so its customer is assessed again too:
    // the attempt that stored it may have stopped before the assessment.
    events: {
      responseRecorded: async (stored) => {
        await events.responseRecorded(stored);
        if (stored.customer) work.publishedOf.set(message.messageId, stored);
      },
    },
    metrics: {
      timeZone: days.timeZone,
      markDayChanged: async (day) => {
        work.changedDayOf.set(message.messageId, day);
      },
    },
  });
  metrics.addMetric(outcome === "duplicate" ? "DuplicateDeliveries" : "ResponsesRecorded", MetricUnit.Count, 1);
  logger.info("response processed", { responseId: submission.id, outcome });
}

/** The processed messages grouped by what `keyOf` says they leave to do; those it gives no key are left out. */
function groupBy(processed: readonly SQSRecord[], keyOf: (message: SQSRecord) => string | undefined) {
  const groups = new Map<string, SQSRecord[]>();
  for (const message of processed) {
    const key = keyOf(message);
    if (key === undefined) continue;
    const messages = groups.get(key) ?? [];
    messages.push(message);
    groups.set(key, messages);
  }
  return groups;
}

/**
 * One mark per day a batch touched, instead of one per response: the marks come after every record of
 * the batch is stored, and a message is acknowledged only once its day is marked. A mark that fails
 * fails its messages, which are redelivered, found stored, and marked then.
 */
async function markChangedDays(processed: readonly SQSRecord[], { changedDayOf }: BatchWork) {
  const unmarked: SQSRecord[] = [];
  for (const [day, messages] of groupBy(processed, (message) => changedDayOf.get(message.messageId))) {
    try {
      await days.markDayChanged(day, now());
    } catch (error) {
      logger.error("marking a changed day failed; its messages will be redelivered", { day, error });
      unmarked.push(...messages);
    }
  }
  return unmarked;
}

/**
 * Churn risk once per customer the batch published a response of, after all of them are stored and
 * published, with those responses (which the by-customer index may not show yet). An assessment that
 * fails fails that customer's messages: they are redelivered, found stored, published and assessed then.
 */
async function assessCustomers(processed: readonly SQSRecord[], { publishedOf }: BatchWork) {
  const byCustomer = groupBy(processed, (message) => publishedOf.get(message.messageId)?.customer?.id);
  const unassessed = await Promise.all(
    [...byCustomer].map(async ([customerId, messages]) => {
      const published = messages.flatMap((message) => publishedOf.get(message.messageId) ?? []);
      const responseIds = published.map((record) => record.id);
      try {
        const { crossed } = await assessCustomerRisk(customerId, `response ${responseIds.at(-1)}`, risk, published);
        if (crossed) metrics.addMetric("CustomersAtRisk", MetricUnit.Count, 1);
        return [];
      } catch (error) {
        logger.error("assessing a customer's risk failed; their messages will be redelivered", { responseIds, error });
        return messages;
      }
    }),
  );
  return unassessed.flat();
}

export const handler = sqsBatchHandler(processMessage, {
  begin: (): BatchWork => ({ changedDayOf: new Map(), publishedOf: new Map() }),
  settle: async (processed, work) => {
    const [unmarked, unassessed] = await Promise.all([
      markChangedDays(processed, work),
      assessCustomers(processed, work),
    ]);
    return [...new Set([...unmarked, ...unassessed])];
  },
});
