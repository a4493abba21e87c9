import { type EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import {
  type ActionPlanOffTrackDetail,
  type CaseEventDetail,
  type CustomerAtRiskDetail,
  caseEventDetail,
  DetailType,
  EVENT_SOURCE,
  type MetricsComputedDetail,
  responseRecordedDetail,
} from "../contracts/events";
import type { ResponseRecord } from "../contracts/record";

export class EventPublisher {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly eventBusName: string,
  ) {}

  /** Publishes one event; throws when EventBridge rejects it, so the caller's message is retried. */
  async publish(detailType: DetailType, detail: unknown, time?: Date): Promise<void> {
    const result = await this.client.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: this.eventBusName,
            Source: EVENT_SOURCE,
            DetailType: detailType,
            Detail: JSON.stringify(detail),
            ...(time ? { Time: time } : {}),
          },
        ],
      }),
    );
    if (result.FailedEntryCount) {
      const entry = result.Entries?.[0];
      throw new Error(`PutEvents rejected ${detailType}: ${entry?.ErrorCode} ${entry?.ErrorMessage}`);
    }
  }

  async responseRecorded(record: ResponseRecord): Promise<void> {
    await this.publish(DetailType.ResponseRecorded, responseRecordedDetail(record), new Date(record.submittedAt));
  }

  async customerAtRisk(detail: Omit<CustomerAtRiskDetail, "schemaVersion">): Promise<void> {
    await this.publish(DetailType.CustomerAtRisk, { schemaVersion: 1, ...detail } satisfies CustomerAtRiskDetail);
  }

  async caseEvent(detailType: DetailType, detail: Omit<CaseEventDetail, "schemaVersion">): Promise<void> {
    await this.publish(detailType, caseEventDetail(detail));
  }

  async actionPlanOffTrack(detail: ActionPlanOffTrackDetail): Promise<void> {
    await this.publish(DetailType.ActionPlanOffTrack, detail);
  }

  async metricsComputed(detail: Omit<MetricsComputedDetail, "schemaVersion">): Promise<void> {
    await this.publish(DetailType.MetricsComputed, { ...detail, schemaVersion: 1 } satisfies MetricsComputedDetail);
  }
}
