import { type EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { DetailType, EVENT_SOURCE, type ResponseRecordedDetail } from "../contracts/events";
import type { ResponseRecord } from "../contracts/record";

export class EventPublisher {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly eventBusName: string,
  ) {}

  /** Publishes `Response Recorded`; throws when EventBridge rejects the entry so the message is retried. */
  async responseRecorded(record: ResponseRecord): Promise<void> {
    const detail: ResponseRecordedDetail = { ...record, schemaVersion: 1 };
    const result = await this.client.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: this.eventBusName,
            Source: EVENT_SOURCE,
            DetailType: DetailType.ResponseRecorded,
            Detail: JSON.stringify(detail),
            Time: new Date(record.submittedAt),
          },
        ],
      }),
    );
    if (result.FailedEntryCount) {
      const entry = result.Entries?.[0];
      throw new Error(`PutEvents rejected Response Recorded ${record.id}: ${entry?.ErrorCode} ${entry?.ErrorMessage}`);
    }
  }
}
