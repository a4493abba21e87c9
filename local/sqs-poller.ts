import { setTimeout as sleep } from "node:timers/promises";
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import type { SQSBatchResponse, SQSRecord } from "aws-lambda";
import { LOCAL_REGION } from "./aws-local";
import type { QueueMappingSpec } from "./template";

/** A received message as the SQS event-source mapping hands it to a function. */
export function toSqsRecord(message: Message, queueArn: string): SQSRecord {
  return {
    messageId: message.MessageId as string,
    receiptHandle: message.ReceiptHandle as string,
    body: message.Body ?? "",
    attributes: {
      ApproximateReceiveCount: message.Attributes?.ApproximateReceiveCount ?? "1",
      SentTimestamp: message.Attributes?.SentTimestamp ?? String(Date.now()),
      SenderId: message.Attributes?.SenderId ?? "local",
      ApproximateFirstReceiveTimestamp: message.Attributes?.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
    },
    messageAttributes: {},
    md5OfBody: message.MD5OfBody ?? "",
    eventSource: "aws:sqs",
    eventSourceARN: queueArn,
    awsRegion: LOCAL_REGION,
  };
}

/** Messages in the queue, waiting or in flight (received, neither deleted nor visible again yet). */
export async function queueDepth(sqs: SQSClient, url: string): Promise<number> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    }),
  );
  return (
    Number(Attributes?.ApproximateNumberOfMessages ?? 0) +
    Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0)
  );
}

/** What a mapping hands its batches to: a function (LambdaHost), and how many invocations it can run at once. */
export interface BatchTarget {
  readonly maxSandboxes: number;
  invoke<T = unknown>(event: unknown): Promise<T>;
}

/** How long a draining poller waits before looking again at an empty queue. */
const DRAIN_POLL_MS = 50;

/**
 * Plays an SQS event-source mapping: long-polls the queue, hands batches to the
 * function, deletes what succeeded. Failed messages stay and come back after the
 * visibility timeout; the queue's redrive policy moves them to the DLQ.
 *
 * Like Lambda's pollers it scales with the queue: one receive loop always runs, each batch it finds
 * starts another loop while fewer than `concurrency` run, and a loop beyond the first that finds the
 * queue empty ends. So up to `concurrency` batches are in flight at once, and an idle queue costs one
 * long poll at a time.
 */
export class SqsPoller {
  private running = false;
  private draining = false;
  private readonly loops = new Set<Promise<void>>();
  private readonly abort = new AbortController();
  /** Messages received and neither deleted nor handed back for a retry yet, over every loop. */
  private held = 0;
  /** Messages whose delivery failed, by id, with when their visibility timeout ends at the latest. */
  private readonly retrying = new Map<string, number>();
  /** The most batches in flight at once: the mapping's MaximumConcurrency, and no more than the function's sandboxes. */
  readonly concurrency: number;

  constructor(
    private readonly sqs: SQSClient,
    private readonly mapping: QueueMappingSpec,
    private readonly queue: { url: string; arn: string; visibilityTimeoutSeconds: number },
    private readonly target: BatchTarget,
    private readonly log: (line: string) => void,
  ) {
    // A batch the function has no sandbox for would only wait, its visibility timeout running.
    this.concurrency = Math.max(
      1,
      Math.min(mapping.maximumConcurrency ?? Number.POSITIVE_INFINITY, target.maxSandboxes),
    );
  }

  start() {
    this.running = true;
    this.addLoop(true);
  }

  /** Ctrl-C: from the next receive on, polls without waiting, so the queue is worked off without pauses. */
  drain() {
    this.draining = true;
  }

  get queueLogicalId(): string {
    return this.mapping.queueLogicalId;
  }

  /** True while a batch is in hand: received, and not yet deleted or failed. */
  get busy(): boolean {
    return this.held > 0;
  }

  /** Receive loops running now, each with at most one batch in flight. */
  get pollers(): number {
    return this.loops.size;
  }

  /**
   * Messages that failed and are not visible again yet: they wait for their visibility timeout, not
   * for this poller. Counted from the receive, so a message is never counted after it is visible again.
   */
  waitingForRetry(now = Date.now()): number {
    for (const [id, visibleBy] of this.retrying) if (visibleBy <= now) this.retrying.delete(id);
    return this.retrying.size;
  }

  /** Stops receiving at once (open receives are abandoned) and waits for every batch in hand. */
  async stop() {
    this.halt();
    while (this.loops.size > 0) await Promise.all(this.loops);
  }

  /** Stops receiving without waiting; `stop()` then waits. */
  halt() {
    this.running = false;
    this.abort.abort();
  }

  private addLoop(first: boolean) {
    const loop = this.run(first).finally(() => this.loops.delete(loop));
    this.loops.add(loop);
  }

  private async run(first: boolean) {
    while (this.running) {
      const inHand = { count: 0 };
      try {
        const batch = await this.receiveBatch(inHand);
        if (batch.messages.length > 0) {
          // Where one batch was, more may wait: another loop receives while this one delivers.
          if (this.running && this.loops.size < this.concurrency) this.addLoop(false);
          await this.deliver(batch.messages, batch.receivedAt);
        } else if (!first) return;
        else if (this.draining) await sleep(DRAIN_POLL_MS, undefined, { signal: this.abort.signal });
      } catch (error) {
        if (!this.running) return;
        this.log(`poller ${this.mapping.logicalId}: ${(error as Error).message}`);
        if (!first) return;
        await sleep(1000, undefined, { signal: this.abort.signal }).catch(() => undefined);
      } finally {
        this.held -= inHand.count;
      }
    }
  }

  /** Gathers up to BatchSize messages, waiting at most the batching window once the first has arrived. */
  private async receiveBatch(inHand: { count: number }): Promise<{ messages: Message[]; receivedAt: number }> {
    const messages: Message[] = [];
    const receivedAt = Date.now();
    const windowEnds = () => Date.now() + this.mapping.batchingWindowSeconds * 1000;
    let deadline = Number.POSITIVE_INFINITY;
    while (this.running && messages.length < this.mapping.batchSize) {
      let Messages: Message[] | undefined;
      try {
        ({ Messages } = await this.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: this.queue.url,
            MaxNumberOfMessages: Math.min(10, this.mapping.batchSize - messages.length),
            WaitTimeSeconds: messages.length === 0 && !this.draining ? 1 : 0,
            // local-aws-sqs returns system attributes only when asked with the legacy parameter.
            AttributeNames: ["All"],
            MessageAttributeNames: ["All"],
          }),
          { abortSignal: this.abort.signal },
        ));
      } catch (error) {
        // Once messages are in hand they are delivered, unless the runtime is stopping (they stay journaled).
        if (messages.length === 0 || !this.running) throw error;
        break;
      }
      // An empty answer ends the batch: what is in hand goes now, and a long poll that found nothing returns to
      // the loop, which pauses before the next while draining (no long poll then) or ends if it is not the first.
      if (!Messages?.length) break;
      if (messages.length === 0) deadline = windowEnds();
      messages.push(...Messages);
      inHand.count += Messages.length;
      this.held += Messages.length;
      for (const message of Messages) this.retrying.delete(message.MessageId as string);
      if (Date.now() >= deadline) break;
    }
    return { messages, receivedAt };
  }

  private async deliver(messages: Message[], receivedAt: number) {
    const records = messages.map((message) => toSqsRecord(message, this.queue.arn));
    let failed: Set<string>;
    try {
      const result = (await this.target.invoke<SQSBatchResponse | undefined>({ Records: records })) ?? undefined;
      failed = new Set(
        this.mapping.reportBatchItemFailures ? (result?.batchItemFailures ?? []).map((f) => f.itemIdentifier) : [],
      );
    } catch {
      // A function error fails the whole batch; every message is retried after its visibility timeout.
      failed = new Set(records.map((record) => record.messageId));
    }
    const done = records.filter((record) => !failed.has(record.messageId));
    if (done.length > 0) {
      const deleted = await this.sqs
        .send(
          new DeleteMessageBatchCommand({
            QueueUrl: this.queue.url,
            Entries: done.map((record, index) => ({ Id: String(index), ReceiptHandle: record.receiptHandle })),
          }),
        )
        .catch((error: Error) => ({ Failed: done.map((_, index) => ({ Id: String(index), Message: error.message })) }));
      // What could not be deleted comes back after its visibility timeout, like a failure (handlers are idempotent).
      for (const entry of deleted.Failed ?? []) failed.add((done[Number(entry.Id)] as SQSRecord).messageId);
    }
    const visibleBy = receivedAt + this.queue.visibilityTimeoutSeconds * 1000;
    for (const id of failed) this.retrying.set(id, visibleBy);
    if (failed.size > 0)
      this.log(
        `${this.mapping.functionLogicalId}: ${failed.size} of ${records.length} message(s) failed; they will be retried`,
      );
  }
}
