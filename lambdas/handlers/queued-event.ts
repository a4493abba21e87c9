import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import middy from "@middy/core";
import type { SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import type * as z from "zod";
import { logger, metrics } from "./observability";

/** A queued message that can never be processed; it is reported as a batch failure and ends in the DLQ. */
export class PoisonMessageError extends Error {}

/** Parses an SQS message body against a contract, naming the fields (never the values) when it does not fit. */
export function parseQueuedEvent<S extends z.ZodType>(message: SQSRecord, schema: S): z.infer<S> {
  let body: unknown;
  try {
    body = JSON.parse(message.body);
  } catch {
    throw new PoisonMessageError(`message ${message.messageId} is not JSON`);
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((issue) => issue.path.join(".") || "body").join(", ");
    throw new PoisonMessageError(`message ${message.messageId} does not match its contract: ${fields}`);
  }
  return parsed.data;
}

/** What a consumer does once per batch, after its messages: with state of that batch only. */
export interface BatchSettlement<State> {
  begin(): State;
  /** Answers the processed messages that must still be reported failed. */
  settle(processed: readonly SQSRecord[], state: State): Promise<readonly SQSRecord[]>;
}

/**
 * An SQS consumer: each message through `processMessage`, failures reported
 * per item so only they are retried (and, after maxReceiveCount, dead-lettered).
 * A `settlement`, when given, finishes what the processed messages left for the
 * whole batch to do once; the messages it returns are reported failed too.
 */
export function sqsBatchHandler<State = undefined>(
  processMessage: (message: SQSRecord, batch: State) => Promise<void>,
  settlement?: BatchSettlement<State>,
) {
  const processor = new BatchProcessor(EventType.SQS);
  return middy<SQSEvent, SQSBatchResponse>()
    .use(injectLambdaContext(logger))
    .use(logMetrics(metrics))
    .handler(async (event, context) => {
      const batch = settlement?.begin() as State;
      const answer = await processPartialResponse(
        event,
        (message: SQSRecord) => processMessage(message, batch),
        processor,
        {
          context,
          // In order: two deliveries of one item in a batch must not race to publish it twice.
          processInParallel: false,
          // Always answer with the failed items, so a batch that failed whole is retried the same way.
          throwOnFullBatchFailure: false,
        },
      );
      if (!settlement) return answer;
      const failed = new Set(answer.batchItemFailures.map((failure) => failure.itemIdentifier));
      const processed = event.Records.filter((record) => !failed.has(record.messageId));
      const unsettled = await settlement.settle(processed, batch);
      return {
        batchItemFailures: [
          ...answer.batchItemFailures,
          ...unsettled.map((record) => ({ itemIdentifier: record.messageId })),
        ],
      };
    });
}
