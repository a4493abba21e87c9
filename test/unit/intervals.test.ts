import { describe, expect, it } from "vitest";
import type { DayAggregate, NpsCounts, ScaleCounts } from "../../lambdas/core/aggregates";
import { computeMetrics, csatMetric, npsMetric } from "../../lambdas/core/metrics";
import { seededRandom } from "../support/prng";

/**
 * Coverage and false-positive rates by simulation, through the metrics' own entry points. Seeded,
 * so every run draws the same samples; the thresholds are the (≥ 94% coverage, ≤ 5% false
 * positives), and the methods' exact worst cases over these grids are ≥ 95.1% and ≤ 4.3%.
 */
const REPETITIONS = 3000;
const SIZES = [10, 30, 100] as const;

function drawNps(random: () => number, n: number, p: number, d: number): NpsCounts {
  const counts = { responses: n, promoters: 0, passives: 0, detractors: 0 };
  for (let i = 0; i < n; i++) {
    const u = random();
    if (u < p) counts.promoters += 1;
    else if (u < p + d) counts.detractors += 1;
    else counts.passives += 1;
  }
  return counts;
}
function drawShare(random: () => number, n: number, share: number): ScaleCounts {
  let top = 0;
  for (let i = 0; i < n; i++) if (random() < share) top += 1;
  return { responses: n, top, sum: 0 };
}

/** Promoter and detractor shares, from the extremes to the middle. */
const NPS_GRID = [
  [0.9, 0.05],
  [0.05, 0.9],
  [0.05, 0.05],
  [0.95, 0.02],
  [0.45, 0.45],
  [0.6, 0.3],
  [0.3, 0.6],
  [0.34, 0.33],
  [0.7, 0.1],
  [0.2, 0.2],
  [0.1, 0.5],
  [0.5, 0.1],
] as const;
const SHARE_GRID = [0.03, 0.05, 0.1, 0.2, 0.35, 0.5, 0.65, 0.8, 0.9, 0.95, 0.97] as const;

const covers = (interval: { low: number; high: number } | null, truth: number) =>
  interval !== null && interval.low <= truth && truth <= interval.high;

describe("95% intervals cover the truth at least 94% of the time", () => {
  it("NPS, at n = 10, 30 and 100, across promoter/detractor mixes", () => {
    const random = seededRandom(17);
    for (const n of SIZES)
      for (const [p, d] of NPS_GRID) {
        let covered = 0;
        for (let r = 0; r < REPETITIONS; r++)
          if (covers(npsMetric(drawNps(random, n, p, d)).ci95, 100 * (p - d))) covered += 1;
        expect(covered / REPETITIONS, `n=${n} p=${p} d=${d}`).toBeGreaterThanOrEqual(0.94);
      }
  });

  it("CSAT and CES shares, at n = 10, 30 and 100, from 3% to 97%", () => {
    const random = seededRandom(29);
    for (const n of SIZES)
      for (const share of SHARE_GRID) {
        let covered = 0;
        for (let r = 0; r < REPETITIONS; r++)
          if (covers(csatMetric({ "1-5": drawShare(random, n, share) }).ci95, 100 * share)) covered += 1;
        expect(covered / REPETITIONS, `n=${n} share=${share}`).toBeGreaterThanOrEqual(0.94);
      }
  });
});

const day = (name: string, nps: NpsCounts, csat: ScaleCounts): DayAggregate => ({
  day: name,
  cells: [
    {
      key: { survey: null, touchpoint: null, channel: null, segment: null, stage: null },
      stats: { total: nps.responses + csat.responses, nps, csat: { "1-5": csat }, ces: {} },
    },
  ],
  themes: [],
  answers: [],
});
/** The change `GET /v1/metrics` reports between two one-day windows drawn from the same truth. */
function changeBetween(now: DayAggregate, before: DayAggregate) {
  return computeMetrics({
    window: { from: now.day, to: now.day },
    previousWindow: { from: before.day, to: before.day },
    filters: {},
    groupBy: null,
    days: [before, now],
    previousDays: [before, now],
    minResponses: 30,
  }).change;
}

describe("a change between periods", () => {
  it("is flagged significant at most 5% of the time when nothing changed", () => {
    const random = seededRandom(41);
    for (const [sizeNow, sizeBefore] of [
      [30, 30],
      [100, 100],
      [30, 100],
    ] as const)
      for (const [p, d] of NPS_GRID) {
        let npsFlags = 0;
        let csatFlags = 0;
        for (let r = 0; r < REPETITIONS; r++) {
          const change = changeBetween(
            day("2026-11-16", drawNps(random, sizeNow, p, d), drawShare(random, sizeNow, p)),
            day("2026-11-15", drawNps(random, sizeBefore, p, d), drawShare(random, sizeBefore, p)),
          );
          if (change.nps.significant) npsFlags += 1;
          if (change.csat.significant) csatFlags += 1;
        }
        expect(npsFlags / REPETITIONS, `NPS ${sizeNow}/${sizeBefore} p=${p} d=${d}`).toBeLessThanOrEqual(0.05);
        expect(csatFlags / REPETITIONS, `CSAT ${sizeNow}/${sizeBefore} share=${p}`).toBeLessThanOrEqual(0.05);
      }
  });

  it("is never significant below the minimum number of answers, however large", () => {
    const random = seededRandom(53);
    for (let r = 0; r < 200; r++) {
      const change = changeBetween(
        day("2026-11-16", drawNps(random, 10, 0.9, 0.05), drawShare(random, 10, 0.95)),
        day("2026-11-15", drawNps(random, 29, 0.05, 0.9), drawShare(random, 29, 0.05)),
      );
      expect(change.nps).toMatchObject({ significant: false, insufficient: true });
      expect(change.csat).toMatchObject({ significant: false, insufficient: true });
    }
  });

  it("has a difference interval that covers the true change at least 94% of the time", () => {
    const random = seededRandom(67);
    for (const n of [30, 100])
      for (const [[p1, d1], [p2, d2]] of [
        [
          [0.6, 0.2],
          [0.4, 0.3],
        ],
        [
          [0.9, 0.05],
          [0.7, 0.1],
        ],
        [
          [0.3, 0.5],
          [0.35, 0.45],
        ],
      ] as const) {
        let npsCovered = 0;
        let csatCovered = 0;
        for (let r = 0; r < REPETITIONS; r++) {
          const change = changeBetween(
            day("2026-11-16", drawNps(random, n, p1, d1), drawShare(random, n, p1)),
            day("2026-11-15", drawNps(random, n, p2, d2), drawShare(random, n, p2)),
          );
          if (covers(change.nps.ci95, 100 * (p1 - d1 - (p2 - d2)))) npsCovered += 1;
          if (covers(change.csat.ci95, 100 * (p1 - p2))) csatCovered += 1;
        }
        const label = `n=${n} ${p1}/${d1} vs ${p2}/${d2}`;
        expect(npsCovered / REPETITIONS, `NPS ${label}`).toBeGreaterThanOrEqual(0.94);
        expect(csatCovered / REPETITIONS, `CSAT ${label}`).toBeGreaterThanOrEqual(0.94);
      }
  });
});
