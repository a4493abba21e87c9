import { describe, expect, it } from "vitest";
import type { Case } from "../../lambdas/contracts/cases";
import {
  addCounters,
  caseStatsFrom,
  contactBucket,
  countersDelta,
  countersOf,
  isNoChange,
} from "../../lambdas/core/case-stats";
import { applyPatch, escalate, openCase } from "../../lambdas/core/cases";
import { mergedCase } from "../../lambdas/core/customer-merge";
import { erasedCase } from "../../lambdas/core/erasure";
import { config, record } from "../support/cases";
import { seededRandom } from "../support/prng";

const OPENED = new Date("2026-11-23T10:00:00Z");
const hoursLater = (hours: number) => new Date(OPENED.getTime() + hours * 3_600_000);
const opened = (id = "r-1") => openCase(record({ id }), "detractor", config, OPENED);
const patched = (item: Case, patch: Parameters<typeof applyPatch>[1], at: Date) => {
  const outcome = applyPatch(item, patch, "ana", at);
  if (!outcome.ok) throw new Error(outcome.conflict);
  return outcome.case;
};

describe("case stats counters", () => {
  it("counts each transition a write makes, and nothing for writes that change no figure", () => {
    const open = opened();
    expect(countersDelta(null, open)).toEqual({
      totals: { cases: 1, contacted: 0, contactMs: 0, closed: 0, withinSla: 0 },
      buckets: [],
    });
    const contacted = patched(open, { status: "contacted" }, hoursLater(2));
    expect(countersDelta(open, contacted)).toEqual({
      totals: { cases: 0, contacted: 1, contactMs: 2 * 3_600_000, closed: 0, withinSla: 0 },
      buckets: [{ index: contactBucket(2 * 3_600_000), count: 1, ms: 2 * 3_600_000 }],
    });
    const resolved = patched(contacted, { status: "resolved" }, hoursLater(3));
    expect(countersDelta(contacted, resolved).totals).toEqual({
      cases: 0,
      contacted: 0,
      contactMs: 0,
      closed: 1,
      withinSla: 1,
    });
    const late = patched(open, { status: "closed-no-contact" }, hoursLater(24 * 30));
    expect(countersDelta(open, late).totals).toMatchObject({ closed: 1, withinSla: 0 });

    const noted = patched(contacted, { note: "called back", owner: "logistics" }, hoursLater(4));
    const erasure = { customerId: "c-1", pseudonym: "erased-1", by: "ops", at: hoursLater(5) };
    const merge = { from: "c-1", into: "c-2", by: "ops", at: hoursLater(5) };
    for (const [before, after] of [
      [contacted, noted],
      [open, escalate(open, 1, hoursLater(30))],
      [resolved, erasedCase(resolved, erasure) as Case],
      [contacted, mergedCase(contacted, merge) as Case],
    ] as const)
      expect(isNoChange(countersDelta(before, after))).toBe(true);
  });

  it("adds up, write by write, to what the final cases contribute", () => {
    const random = seededRandom(11);
    const finals: Case[] = [];
    const deltas = [];
    for (let i = 0; i < 200; i++) {
      let item = opened(`r-${i}`);
      deltas.push(countersDelta(null, item));
      const steps: Parameters<typeof applyPatch>[1][] =
        random() < 0.7
          ? [{ status: "contacted" }, { status: random() < 0.5 ? "resolved" : "closed-no-contact" }]
          : [{ status: "closed-no-contact" }];
      let hours = 0;
      for (const step of steps.slice(0, 1 + Math.floor(random() * steps.length))) {
        hours += random() * 100;
        const next = patched(item, step, hoursLater(hours));
        deltas.push(countersDelta(item, next));
        item = next;
      }
      finals.push(item);
    }
    expect(addCounters(...deltas)).toEqual(countersOf(finals));
  });

  it("gives the median time to first contact within 1%, and exactly when a bucket's times are equal", () => {
    const random = seededRandom(5);
    const hours = Array.from({ length: 1001 }, () => Math.exp(random() * 8) / 10);
    const contacted = hours.map((h, i) => ({
      ...opened(`m-${i}`),
      status: "contacted" as const,
      firstContactAt: hoursLater(h).toISOString(),
    }));
    const exact = [...hours].sort((a, b) => a - b)[500] as number;
    const { median, mean, contacted: count } = caseStatsFrom(countersOf(contacted), [], OPENED).timeToFirstContactHours;
    expect(count).toBe(1001);
    expect(Math.abs((median as number) - exact)).toBeLessThanOrEqual(exact * 0.01 + 0.005);
    expect(mean).toBeCloseTo(hours.reduce((a, b) => a + b, 0) / hours.length, 2);

    const even = [2, 2, 6, 6].map((h, i) => ({
      ...opened(`e-${i}`),
      status: "contacted" as const,
      firstContactAt: hoursLater(h).toISOString(),
    }));
    expect(caseStatsFrom(countersOf(even), [], OPENED).timeToFirstContactHours.median).toBe(4);
  });

  it("keeps buckets 1% apart, with sub-second times in bucket 0", () => {
    expect(contactBucket(0)).toBe(0);
    expect(contactBucket(999)).toBe(0);
    expect(contactBucket(1000)).toBe(1);
    for (const ms of [1500, 60_000, 3_600_000, 10 * 365 * 24 * 3_600_000]) {
      expect(contactBucket(ms * 1.0101)).toBeGreaterThan(contactBucket(ms));
      expect(contactBucket(ms * 1.0099)).toBeLessThanOrEqual(contactBucket(ms) + 1);
    }
    expect(contactBucket(10 * 365 * 24 * 3_600_000)).toBeLessThan(2000);
  });
});
