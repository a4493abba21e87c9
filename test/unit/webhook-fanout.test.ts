import { describe, expect, it } from "vitest";
import { caseEventDetail, DetailType, responseRecordedDetail } from "../../lambdas/contracts/events";
import { openCase } from "../../lambdas/core/cases";
import { type BusEvent, deliveriesFor, type StoredWebhook } from "../../lambdas/core/webhooks";
import { config, record } from "../support/cases";

const endpoint: StoredWebhook = {
  id: "wh-1",
  url: "https://receiver.example.com/hooks",
  events: [DetailType.ResponseRecorded, DetailType.CaseOpened],
  filter: null,
  description: null,
  status: "enabled",
  disabledReason: null,
  disabledAt: null,
  createdAt: "2026-11-01T00:00:00.000Z",
  lastSuccessAt: null,
  secrets: [],
};
const now = new Date("2026-11-23T10:00:00Z");
const busEvent = (id: string, type: string, detail: unknown): BusEvent => ({
  id,
  "detail-type": type,
  time: "2026-11-23T10:00:00Z",
  detail,
});
const messageIdOf = (event: BusEvent) => deliveriesFor(event, [endpoint], now)[0]?.messageId;

describe("webhook ids of a fan-out", () => {
  it("are one per response and revision: a republished Response Recorded is the same message to a receiver", () => {
    const detail = responseRecordedDetail(record({}));
    const first = messageIdOf(busEvent("event-1", DetailType.ResponseRecorded, detail));
    expect(first).toMatch(/^msg_/);
    expect(messageIdOf(busEvent("event-2", DetailType.ResponseRecorded, detail))).toBe(first);
    const revised = responseRecordedDetail({ ...record({}), revision: 1 });
    expect(messageIdOf(busEvent("event-3", DetailType.ResponseRecorded, revised))).not.toBe(first);
  });

  it("are one per EventBridge event for the other types", () => {
    const detail = caseEventDetail({ case: openCase(record({}), "nps-detractor", config, now) });
    const first = messageIdOf(busEvent("event-1", DetailType.CaseOpened, detail));
    expect(messageIdOf(busEvent("event-1", DetailType.CaseOpened, detail))).toBe(first);
    expect(messageIdOf(busEvent("event-2", DetailType.CaseOpened, detail))).not.toBe(first);
  });
});
