import { SendMessageBatchCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { QueuedSubmission } from "../contracts/record";

/** SQS allows ten entries per SendMessageBatch. */
const SQS_BATCH_LIMIT = 10;
const ATTEMPTS = 3;

export class SubmissionQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  /**
   * Enqueues every submission, retrying entries SQS reports as failed.
   * Returns the indexes (into `submissions`) that still failed.
   */
  async send(submissions: readonly QueuedSubmission[]): Promise<Set<number>> {
    let pending = submissions.map((_, index) => index);
    for (let attempt = 1; attempt <= ATTEMPTS && pending.length > 0; attempt++) {
      const failed: number[] = [];
      for (let start = 0; start < pending.length; start += SQS_BATCH_LIMIT) {
        const chunk = pending.slice(start, start + SQS_BATCH_LIMIT);
        const result = await this.client.send(
          new SendMessageBatchCommand({
            QueueUrl: this.queueUrl,
            Entries: chunk.map((index) => ({
              Id: String(index),
              MessageBody: JSON.stringify(submissions[index]),
            })),
          }),
        );
        for (const entry of result.Failed ?? []) failed.push(Number(entry.Id));
      }
      pending = failed;
    }
    return new Set(pending);
  }
}
