import { describe, expect, it } from "vitest";
import { DEFAULT_JOURNEY } from "../../lambdas/contracts/journey";
import type { QueuedSubmission, ResponseRecord } from "../../lambdas/contracts/record";
import { type RecordResponsePorts, recordResponse } from "../../lambdas/core/record-response";
import { vaderAnalyzer } from "../../lambdas/core/sentiment";
import { createThemeMatcher } from "../../lambdas/core/themes";

/** In-memory ports: the store keeps the first record per id, the bus can be told to fail. */
function memoryPorts() {
  const stored = new Map<string, ResponseRecord>();
  const published: ResponseRecord[] = [];
  const minimalProfiles: string[] = [];
  const changedDays: string[] = [];
  let failPublishes = 0;
  const ports: RecordResponsePorts = {
    sentiment: vaderAnalyzer,
    themes: createThemeMatcher(),
    journey: DEFAULT_JOURNEY,
    customers: {
      getProfile: async (id) => (id === "vip" ? { id, segment: "enterprise", annualValue: 5e5 } : null),
      ensureMinimal: async (id) => {
        minimalProfiles.push(id);
      },
    },
    responses: {
      putIfAbsent: async (record) => {
        const existing = stored.get(record.id);
        if (existing) return { created: false, stored: existing };
        stored.set(record.id, record);
        return { created: true, stored: record };
      },
    },
    events: {
      responseRecorded: async (record) => {
        if (failPublishes > 0) {
          failPublishes -= 1;
          throw new Error("bus down");
        }
        published.push(record);
      },
    },
    metrics: {
      timeZone: "UTC",
      markDayChanged: async (day) => {
        changedDays.push(day);
      },
    },
    now: () => new Date("2026-11-22T12:00:00Z"),
  };
  return { ports, stored, published, minimalProfiles, changedDays, failNextPublish: () => (failPublishes = 1) };
}

const submission = (id: string, extra: Partial<QueuedSubmission> = {}): QueuedSubmission => ({
  id,
  type: "nps",
  score: 2,
  scale: { min: 0, max: 10 },
  submittedAt: "2026-11-22T11:00:00.000Z",
  receivedAt: "2026-11-22T11:00:00.000Z",
  ...extra,
});

describe("recordResponse", () => {
  it("stores a new response once; a redelivery stores nothing and publishes the stored record again", async () => {
    const { ports, stored, published } = memoryPorts();
    expect(await recordResponse(submission("a", { customer: { id: "vip" } }), ports)).toBe("recorded");
    expect(await recordResponse(submission("a", { score: 10 }), ports)).toBe("duplicate");
    expect(stored.size).toBe(1);
    expect(published).toHaveLength(2);
    expect(published[1]).toEqual(published[0]);
    expect(published[0]).toMatchObject({ score: 2, category: "detractor", customer: { segment: "enterprise" } });
  });

  it("publishes nothing and creates no profile when a redelivery finds the response moved to another customer id", async () => {
    const { ports, stored, published, minimalProfiles, changedDays } = memoryPorts();
    await recordResponse(submission("m", { customer: { id: "erase-me" } }), ports);
    const first = stored.get("m") as ResponseRecord;
    stored.set("m", {
      ...first,
      customer: first.customer && { ...first.customer, id: "erased-01JZ0000000000000000000000" },
    });
    expect(await recordResponse(submission("m", { customer: { id: "erase-me" } }), ports)).toBe("duplicate");
    expect(published).toHaveLength(1);
    expect(minimalProfiles).toEqual(["erase-me"]);
    expect(changedDays).toHaveLength(1);
  });

  it("creates a minimal profile for a customer it has never seen, and none for a known one", async () => {
    const { ports, minimalProfiles } = memoryPorts();
    await recordResponse(submission("c", { customer: { id: "new-customer" } }), ports);
    await recordResponse(submission("d", { customer: { id: "vip" } }), ports);
    expect(minimalProfiles).toEqual(["new-customer"]);
  });

  it("publishes the stored record on redelivery when the first publish failed", async () => {
    const { ports, published, failNextPublish, stored, changedDays } = memoryPorts();
    failNextPublish();
    await expect(recordResponse(submission("b", { comment: "first words" }), ports)).rejects.toThrow("bus down");
    expect(stored.get("b")?.comment).toBe("first words");
    expect(await recordResponse(submission("b", { comment: "different words" }), ports)).toBe("duplicate");
    expect(published).toHaveLength(1);
    expect(published[0]?.comment).toBe("first words");
    // Both attempts marked the day: the one that failed may have been the only one to get that far.
    expect(changedDays).toEqual(["2026-11-22", "2026-11-22"]);
  });

  it("marks the UTC day of submittedAt changed for the metrics rollup, not the day it arrived", async () => {
    const { ports, changedDays } = memoryPorts();
    await recordResponse(submission("late", { submittedAt: "2026-11-19T23:59:59.999Z" }), ports);
    expect(changedDays).toEqual(["2026-11-19"]);
  });

  it("marks the day in the metrics time zone when one is configured", async () => {
    const { ports, changedDays } = memoryPorts();
    ports.metrics.timeZone = "America/Los_Angeles";
    await recordResponse(submission("west", { submittedAt: "2026-11-20T05:00:00.000Z" }), ports);
    expect(changedDays).toEqual(["2026-11-19"]);
  });
});
