import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import type { SQSBatchResponse, SQSRecord } from "aws-lambda";
import { LOCAL_REGION } from "./aws-local";
import type { LambdaHost } from "./lambda-host";
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

/**
 * Plays an SQS event-source mapping: long-polls the queue, hands batches to the
 * function, deletes what succeeded. Failed messages stay and come back after the
 * visibility timeout; the queue's redrive policy moves them to the DLQ.
 */
export class SqsPoller {
  private running = false;
  private loop?: Promise<void>;

  constructor(
    private readonly sqs: SQSClient,
    private readonly mapping: QueueMappingSpec,
    private readonly queue: { url: string; arn: string },
    private readonly target: LambdaHost,
    private readonly log: (line: string) => void,
  ) {}

  start() {
    this.running = true;
    this.loop = this.run();
  }

  /** Stops receiving and waits for the batch in hand to finish (Ctrl-C drains). */
  async stop() {
    this.running = false;
    await this.loop;
  }

  private async run() {
    while (this.running) {
      try {
        const messages = await this.receiveBatch();
        if (messages.length > 0) await this.deliver(messages);
      } catch (error) {
        if (this.running) {
          this.log(`poller ${this.mapping.logicalId}: ${(error as Error).message}`);
          await new Promise((resolve) => setTimeout(resolve, 1000));
        }
      }
    }
  }

  /** Gathers up to BatchSize messages, waiting at most the batching window once the first has arrived. */
  private async receiveBatch(): Promise<Message[]> {
    const messages: Message[] = [];
    const windowEnds = () => Date.now() + this.mapping.batchingWindowSeconds * 1000;
    let deadline = Number.POSITIVE_INFINITY;
    while (this.running && messages.length < this.mapping.batchSize) {
      const { Messages } = await this.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: this.queue.url,
          MaxNumberOfMessages: Math.min(10, this.mapping.batchSize - messages.length),
          WaitTimeSeconds: messages.length === 0 ? 1 : 0,
          // local-aws-sqs returns system attributes only when asked with the legacy parameter.
          AttributeNames: ["All"],
          MessageAttributeNames: ["All"],
        }),
      );
      if (Messages?.length) {
        if (messages.length === 0) deadline = windowEnds();
        messages.push(...Messages);
      } else if (messages.length > 0 || !this.running) break;
      if (Date.now() >= deadline) break;
      if (messages.length > 0 && !Messages?.length) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return messages;
  }

  private async deliver(messages: Message[]) {
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
    if (done.length > 0)
      await this.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.queue.url,
          Entries: done.map((record, index) => ({ Id: String(index), ReceiptHandle: record.receiptHandle })),
        }),
      );
    if (failed.size > 0)
      this.log(
        `${this.mapping.functionLogicalId}: ${failed.size} of ${records.length} message(s) failed; they will be retried`,
      );
  }
}
