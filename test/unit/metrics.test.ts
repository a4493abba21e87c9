import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { GROUP_BYS } from "../../lambdas/contracts/metrics";
import {
  ANSWER_SAMPLE_SIZE,
  aggregateDay,
  type CellView,
  cellsOfView,
  type DayAggregate,
  mergeDays,
  type RollupResponse,
  runningBlock,
  runningSums,
  type View,
} from "../../lambdas/core/aggregates";
import { computeDrivers } from "../../lambdas/core/drivers";
import { addDays, computeMetrics, npsMetric, periodKey, resolveWindow, viewFor } from "../../lambdas/core/metrics";
import { metricsFor } from "../../lambdas/core/metrics-queries";
import { metricsFromCubes } from "../support/metrics-from-cubes";
import { seededRandom } from "../support/prng";
import { rollupResponse } from "../support/responses";

const DAY = "2026-11-16";
let counter = 0;
function response(
  type: RollupResponse["type"],
  score: number | null,
  extra: Partial<RollupResponse> = {},
): RollupResponse {
  counter += 1;
  return rollupResponse({
    id: `r-${String(counter).padStart(5, "0")}`,
    type,
    score,
    submittedAt: `${DAY}T10:00:00.000Z`,
    ...extra,
  });
}
const nps = (...scores: number[]) => scores.map((score) => response("nps", score));
const oneDay = (responses: RollupResponse[], day = DAY) => aggregateDay(day, responses);
const metricsOf = (days: DayAggregate[], options: Partial<Parameters<typeof computeMetrics>[0]> = {}) =>
  computeMetrics({
    window: { from: DAY, to: DAY },
    previousWindow: { from: "2026-11-15", to: "2026-11-15" },
    filters: {},
    groupBy: null,
    days,
    previousDays: days,
    ...options,
  });

describe("NPS (hand-computed)", () => {
  it("puts 0 and 6 in detractors, 7 and 8 in passives, 9 and 10 in promoters", () => {
    const result = metricsOf([oneDay(nps(0, 6, 7, 8, 9, 10))]).nps;
    // Adjusted: 3 of 9 in each category, centre 0; half = 1.959964 × sqrt((2/3) / 9) + 1/(2·6) = 0.6168.
    expect(result).toEqual({
      score: 0,
      responses: 6,
      promoters: 2,
      passives: 2,
      detractors: 2,
      promoterPercent: 33.33,
      detractorPercent: 33.33,
      ci95: { low: -61.68, high: 61.68 },
      insufficient: true,
    });
  });

  it("gives two detractors NPS −100 with an honest, wide interval instead of [−100, −100]", () => {
    // 1 + 0 promoters, 1 + 2 detractors of 5: centre −0.4; half = 1.96 × sqrt((0.8 − 0.16) / 5) + 1/4 = 0.9512
    expect(metricsOf([oneDay(nps(6, 0))]).nps).toMatchObject({
      score: -100,
      ci95: { low: -100, high: 55.12 },
      insufficient: true,
    });
    expect(metricsOf([oneDay(nps(10))]).nps.ci95?.low).toBeLessThan(0);
  });

  it("computes 100 × (p − d) / n and the interval for an uneven mix", () => {
    // docs/metrics.md, worked example: p̃ = 6/13, d̃ = 3/13, centre 23.08, half 48.46
    const result = npsMetric({ responses: 10, promoters: 5, passives: 3, detractors: 2 });
    expect(result.score).toBe(30);
    expect(result.ci95).toEqual({ low: -25.38, high: 71.53 });
  });

  it("reports an empty window as responses 0 and score null", () => {
    const result = metricsOf([]);
    expect(result.nps).toMatchObject({ responses: 0, score: null, ci95: null, promoterPercent: null });
    expect(result.csat).toMatchObject({ responses: 0, score: null, mean: null });
    expect(result.ces).toEqual([
      { scale: "1-7", score: null, responses: 0, easy: 0, mean: null, ci95: null, insufficient: true },
    ]);
    expect(result.change.nps).toEqual({
      points: null,
      ci95: null,
      pValue: null,
      significant: false,
      insufficient: true,
    });
  });
});

describe("CSAT and CES (hand-computed)", () => {
  it("CSAT counts the top two boxes (4-5 on 1-5) and reports the mean", () => {
    const result = metricsOf([oneDay([1, 2, 3, 4, 5, 5].map((score) => response("csat", score)))]).csat;
    expect(result).toMatchObject({ score: 50, responses: 6, satisfied: 3, mean: 3.33 });
  });

  it("CSAT on mixed scales shares one top-two-box score but no mixed mean", () => {
    const result = metricsOf([
      oneDay([response("csat", 4, { scale: { min: 1, max: 5 } }), response("csat", 8, { scale: { min: 1, max: 10 } })]),
    ]).csat;
    expect(result).toMatchObject({ score: 50, responses: 2, satisfied: 1, mean: null });
    expect(result.byScale).toEqual([
      { scale: "1-5", score: 100, responses: 1, satisfied: 1, mean: 4 },
      { scale: "1-10", score: 0, responses: 1, satisfied: 0, mean: 8 },
    ]);
  });

  it("CES keeps 1-7 (5-7 easy) and 1-5 (4-5 easy) apart, never mixing their means", () => {
    const result = metricsOf([
      oneDay([
        ...[4, 5, 7].map((score) => response("ces", score, { scale: { min: 1, max: 7 } })),
        ...[3, 4].map((score) => response("ces", score, { scale: { min: 1, max: 5 } })),
      ]),
    ]).ces;
    expect(result).toEqual([
      expect.objectContaining({ scale: "1-7", score: 66.67, responses: 3, easy: 2, mean: 5.33 }),
      expect.objectContaining({ scale: "1-5", score: 50, responses: 2, easy: 1, mean: 3.5 }),
    ]);
  });

  it("counts only answered questions: comments and reviews count in no score", () => {
    const result = metricsOf([oneDay([response("comment", null), response("review", null), ...nps(9)])]);
    expect(result.nps.responses).toBe(1);
    expect(result.csat.responses).toBe(0);
  });
});

describe("windows, groups and change", () => {
  it("defaults to the 30 days to today and compares with the 30 before", () => {
    const windows = resolveWindow({}, "2026-11-30");
    expect(windows).toEqual({
      ok: true,
      value: { current: { from: "2026-11-01", to: "2026-11-30" }, previous: { from: "2026-10-02", to: "2026-10-31" } },
    });
    expect(resolveWindow({ from: "2026-12-01", to: "2026-11-30" }, "2026-11-30").ok).toBe(false);
  });

  it("reads the total, one dimension's or one pair's view, or the cube, by what the query involves", () => {
    expect(viewFor({}, "week")).toBe("total");
    expect(viewFor({ segment: "smb" }, "day")).toBe("segment");
    expect(viewFor({ channel: "web" }, "channel")).toBe("channel");
    expect(viewFor({}, "touchpoint")).toBe("touchpoint");
    expect(viewFor({ survey: "onboarding" }, "segment")).toBe("survey+segment");
    expect(viewFor({ segment: "smb", touchpoint: "app" }, "survey")).toBe("cube");
  });

  it("keys weeks by their Monday and months by YYYY-MM", () => {
    expect(periodKey("2026-11-22", "week")).toBe("2026-11-16");
    expect(periodKey("2026-11-23", "week")).toBe("2026-11-23");
    expect(periodKey("2026-11-23", "month")).toBe("2026-11");
  });

  it("lists every period of the window, empty ones too, and each dimension value seen", () => {
    const days = [
      oneDay(nps(10, 10), "2026-11-16"),
      aggregateDay("2026-11-18", [response("nps", 0, { channel: "email", submittedAt: "2026-11-18T09:00:00Z" })]),
    ];
    const byDay = metricsOf(days, { window: { from: "2026-11-16", to: "2026-11-18" }, groupBy: "day" });
    expect(byDay.groups.map((group) => [group.key, group.nps.score])).toEqual([
      ["2026-11-16", 100],
      ["2026-11-17", null],
      ["2026-11-18", -100],
    ]);
    const byChannel = metricsOf(days, { window: { from: "2026-11-16", to: "2026-11-18" }, groupBy: "channel" });
    expect(byChannel.groups.map((group) => [group.key, group.nps.responses])).toEqual([
      ["web", 2],
      ["email", 1],
    ]);
    const filtered = metricsOf(days, {
      window: { from: "2026-11-16", to: "2026-11-18" },
      filters: { channel: "email" },
    });
    expect(filtered.nps).toMatchObject({ responses: 1, score: -100 });
  });

  const repeat = (times: number, score: number) => Array<number>(times).fill(score);
  const csat = (...scores: number[]) => scores.map((score) => response("csat", score));

  it("tests a change with a two-sample test and reports its p-value (docs/metrics.md, worked example)", () => {
    // Before: 12 promoters, 14 passives, 14 detractors (NPS −5). Now: 20, 12, 8 (NPS 30).
    const before = aggregateDay("2026-11-15", nps(...repeat(12, 9), ...repeat(14, 7), ...repeat(14, 0)));
    const now = oneDay(nps(...repeat(20, 10), ...repeat(12, 8), ...repeat(8, 3)));
    expect(metricsOf([before, now]).change.nps).toEqual({
      points: 35,
      ci95: { low: -3.61, high: 68.73 },
      pValue: 0.08014,
      significant: false,
      insufficient: false,
    });
    // CSAT 30 of 40 satisfied against 18 of 40: pooled z with Yates's correction, 2.51 → p = 0.012.
    const csatBefore = aggregateDay("2026-11-15", csat(...repeat(18, 5), ...repeat(22, 2)));
    const csatNow = oneDay(csat(...repeat(30, 4), ...repeat(10, 1)));
    expect(metricsOf([csatBefore, csatNow]).change.csat).toMatchObject({
      points: 30,
      pValue: 0.01206,
      significant: true,
      insufficient: false,
    });
  });

  it("never calls a change from too few answers significant: CSAT 3 of 3 against 0 of 2", () => {
    const change = metricsOf([aggregateDay("2026-11-15", csat(1, 2)), oneDay(csat(5, 5, 4))]).change.csat;
    expect(change).toMatchObject({ points: 100, pValue: 0.1921, significant: false, insufficient: true });
    // Before: 100 detractors; now 100 promoters: +200, and plainly significant.
    const allBad = aggregateDay("2026-11-15", nps(...repeat(100, 0)));
    const allGood = oneDay(nps(...repeat(100, 10)));
    expect(metricsOf([allBad, allGood]).change.nps).toMatchObject({ points: 200, significant: true, pValue: 0 });
  });

  it("takes the minimum number of answers from the caller (the stage config)", () => {
    const before = aggregateDay("2026-11-15", nps(...repeat(12, 9), ...repeat(14, 7), ...repeat(14, 0)));
    const now = oneDay(nps(...repeat(20, 10), ...repeat(12, 8), ...repeat(8, 3)));
    const strict = metricsOf([before, now], { minResponses: 50 });
    expect(strict.nps.insufficient).toBe(true);
    expect(strict.change.nps.insufficient).toBe(true);
    expect(metricsOf([before, now], { minResponses: 40 }).nps.insufficient).toBe(false);
  });
});

describe("drivers (hand-computed)", () => {
  it("ranks a theme planted in detractor comments first, with its impact and interval", () => {
    const value = (id: string) => ({ id, segment: "smb", annualValue: 1000, currency: "EUR" });
    const planted = [1, 2, 3, 4].map((n) =>
      response("nps", 2, {
        themes: ["delivery"],
        sentiment: { label: "negative", score: -0.5 - n / 10 },
        customer: value(`c${n}`),
      }),
    );
    const others = [
      ...nps(10, 10, 9, 9, 8, 7),
      response("nps", 10, { themes: ["price"], sentiment: { label: "positive", score: 0.5 } }),
    ];
    const drivers = computeDrivers({ window: { from: DAY, to: DAY }, days: [oneDay([...planted, ...others])] });
    expect(drivers.metric).toBe("nps");
    const [first] = drivers.drivers;
    // Overall (11): 5 promoters, 4 detractors → 9.09. Without delivery (7): 5 p, 0 d → 71.43; share 4/11.
    // Impact = 4/11 × (−100 − 71.43) = −62.34. Adjusted: with 1/7 vs 5/7 (−0.5714), without 6/10 vs 1/10 (0.5);
    // difference −1.0714 ± (1.959964 × 0.347565 + 1/8 + 1/14) = −1.9491..−0.1938, × 4/11 → −70.88..−7.05.
    expect(first).toMatchObject({
      theme: "delivery",
      mentions: 4,
      share: 36.36,
      withTheme: { score: -100, responses: 4 },
      withoutTheme: { score: 71.43, responses: 7 },
      impact: -62.34,
      impactCi95: { low: -70.88, high: -7.05 },
      pValue: 0.01182,
      // Four mentions are far below the minimum of 30: shown, never called significant.
      significant: false,
      insufficient: true,
      sentiment: -0.75,
      customers: 4,
      annualValue: [{ currency: "EUR", total: 4000 }],
      exampleResponseId: planted[3]?.id,
    });
    expect(drivers.drivers.map((driver) => driver.theme)).toEqual(["delivery", "price"]);
  });

  it("calls a theme significant once enough answers mention it and the difference is clear", () => {
    const planted = Array.from({ length: 40 }, () => response("nps", 3, { themes: ["delivery"] }));
    const others = Array.from({ length: 60 }, (_, i) => response("nps", i % 3 === 0 ? 6 : 9));
    const [first] = computeDrivers({ window: { from: DAY, to: DAY }, days: [oneDay([...planted, ...others])] }).drivers;
    expect(first).toMatchObject({ theme: "delivery", insufficient: false, significant: true });
    expect(first?.pValue).toBeLessThan(0.001);
  });
});

describe("driver model (regression of the NPS score, LMG shares of R²)", () => {
  const customer = (id: string, segment: string | null = null) => ({ id, segment, annualValue: null, currency: null });
  /**
   * 120 customers: NPS is 9 minus 5 when "delivery" is mentioned, plus 1 for a satisfied CSAT answer;
   * channel is noise, and "price" is mentioned independently of the score.
   */
  function plantedDays() {
    const random = seededRandom(7);
    const responses = Array.from({ length: 120 }, (_, i) => {
      const late = random() < 0.4;
      const satisfied = random() < 0.5;
      const id = `c-${i}`;
      return [
        response(
          "nps",
          Math.max(0, Math.min(10, 9 - (late ? 5 : 0) + (satisfied ? 1 : 0) - Math.floor(random() * 2))),
          {
            themes: [...(late ? ["delivery"] : []), ...(random() < 0.3 ? ["price"] : [])],
            channel: random() < 0.5 ? "web" : "email",
            customer: customer(id, i % 2 === 0 ? "smb" : "enterprise"),
          },
        ),
        response("csat", satisfied ? 5 : 2, { customer: customer(id) }),
      ];
    });
    return [oneDay(responses.flat().slice(0, 200)), oneDay(responses.flat().slice(200), "2026-11-17")];
  }

  it("explains the planted cause first and shows the noise as not significant", () => {
    const days = plantedDays();
    const { model } = computeDrivers({ window: { from: DAY, to: "2026-11-17" }, days });
    expect(model).not.toBeNull();
    expect(model?.n).toBe(120);
    expect(model?.rSquared).toBeGreaterThan(0.7);
    const byName = new Map(model?.drivers.map((driver) => [driver.name, driver]));
    expect(model?.drivers[0]).toMatchObject({ name: "delivery", kind: "theme", significant: true });
    expect(byName.get("csat")).toMatchObject({ kind: "answer", significant: true });
    expect(byName.get("channel")).toMatchObject({ kind: "attribute", significant: false });
    expect(byName.get("price")?.significant).toBe(false);
    // LMG shares add up to R², so the per-driver shares add up to 100%.
    const total = model?.drivers.reduce((sum, driver) => sum + driver.weight, 0) ?? 0;
    expect(total).toBeCloseTo(model?.rSquared ?? 0, 3);
    expect(model?.drivers.reduce((sum, driver) => sum + (driver.share ?? 0), 0)).toBeCloseTo(100, 0);
  });

  it("flags a model fitted on too few answers as insufficient, with no driver significant", () => {
    const days = plantedDays();
    const { model } = computeDrivers({ window: { from: DAY, to: "2026-11-17" }, days, minResponses: 500 });
    expect(model?.insufficient).toBe(true);
    expect(model?.drivers.some((driver) => driver.significant)).toBe(false);
  });

  it("keeps a bounded sample of each day's answers, the same whichever way the day is split", () => {
    const many = Array.from({ length: 900 }, (_, i) =>
      response("nps", i % 11, { customer: customer(`k-${i % 300}`), themes: i % 4 === 0 ? ["delivery"] : [] }),
    );
    const whole = oneDay(many);
    expect(whole.answers).toHaveLength(ANSWER_SAMPLE_SIZE);
    expect(mergeDays(oneDay(many.slice(0, 450)), oneDay(many.slice(450))).answers).toEqual(whole.answers);
    const { model } = computeDrivers({ window: { from: DAY, to: DAY }, days: [whole] });
    expect(model).toMatchObject({ n: ANSWER_SAMPLE_SIZE, sampled: true });
    // Whole customers are kept: every sampled customer's answers are all in the sample but at most one.
    const kept = new Set(whole.answers.map((answer) => answer.customer));
    const partial = [...kept].filter(
      (id) =>
        many.filter((r) => r.customer?.id === id).length !== whole.answers.filter((a) => a.customer === id).length,
    );
    expect(partial.length).toBeLessThanOrEqual(1);
  });
});

describe("customers affected, at volume", () => {
  const mention = (i: number, day: string, customer: string, value = 1000) =>
    response("nps", 3, {
      id: `v-${day}-${i}`,
      themes: i % 2 === 0 ? ["delivery"] : ["delivery", "price"],
      customer: { id: customer, segment: "smb", annualValue: value, currency: "EUR" },
      submittedAt: `${day}T12:00:00.000Z`,
    });

  it("counts customers exactly while each day's list is complete, however many days add up", () => {
    const days = Array.from({ length: 10 }, (_, d) => {
      const day = `2026-11-${String(10 + d).padStart(2, "0")}`;
      return aggregateDay(
        day,
        Array.from({ length: 200 }, (_, i) => mention(i, day, `cust-${d * 200 + i}`)),
      );
    });
    const { drivers } = computeDrivers({ window: { from: "2026-11-10", to: "2026-11-19" }, days });
    expect(drivers.find((driver) => driver.theme === "delivery")).toMatchObject({
      customers: 2000,
      customersEstimated: false,
      annualValue: [{ total: 2_000_000 }],
    });
  });

  it("estimates customers within a few percent once a day has more than the sample size", () => {
    const days = Array.from({ length: 10 }, (_, d) => {
      const day = `2026-11-${String(10 + d).padStart(2, "0")}`;
      // 500 customers a day, 5,000 in all, and one small theme with 100 customers repeating daily.
      return aggregateDay(day, [
        ...Array.from({ length: 500 }, (_, i) => mention(i, day, `cust-${d * 500 + i}`)),
        ...Array.from({ length: 100 }, (_, i) =>
          response("nps", 9, {
            id: `s-${day}-${i}`,
            themes: ["support"],
            customer: { id: `vip-${i}`, segment: null, annualValue: 50, currency: "USD" },
            submittedAt: `${day}T13:00:00.000Z`,
          }),
        ),
      ]);
    });
    for (const day of days)
      for (const cell of day.themes) expect(Object.keys(cell.customers).length).toBeLessThanOrEqual(256);
    const drivers = computeDrivers({ window: { from: "2026-11-10", to: "2026-11-19" }, days });
    const delivery = drivers.drivers.find((driver) => driver.theme === "delivery");
    const support = drivers.drivers.find((driver) => driver.theme === "support");
    expect(support).toMatchObject({
      customers: 100,
      customersEstimated: false,
      annualValue: [{ currency: "USD", total: 5000 }],
    });
    expect(delivery?.customersEstimated).toBe(true);
    expect(Math.abs((delivery?.customers ?? 0) / 5000 - 1)).toBeLessThan(0.15);
    expect(Math.abs((delivery?.annualValue[0]?.total ?? 0) / 5_000_000 - 1)).toBeLessThan(0.15);
  });

  it("samples the same customers whichever way a day's responses are split", () => {
    const responses = Array.from({ length: 1200 }, (_, i) => mention(i, DAY, `c-${i}`, i));
    const whole = oneDay(responses);
    const merged = mergeDays(
      oneDay(responses.filter((_, i) => i % 3 === 0)),
      oneDay(responses.filter((_, i) => i % 3 !== 0)),
    );
    expect(merged.themes).toEqual(whole.themes);
    expect(whole.themes[0]?.customersSampled).toBe(true);
  });
});

describe("aggregates are exact", () => {
  const scale = (type: string) =>
    type === "ces" ? fc.constantFrom(null, { min: 1, max: 5 }, { min: 1, max: 7 }) : fc.constant(null);
  const arbitraryResponse = fc
    .record({
      type: fc.constantFrom("nps", "csat", "ces", "comment"),
      survey: fc.constantFrom("post-purchase", "onboarding", null),
      channel: fc.constantFrom("web", "email", null),
      touchpoint: fc.constantFrom("checkout", "delivery", null),
      segment: fc.constantFrom("smb", "enterprise", null),
      customer: fc.constantFrom("c1", "c2", "c3", null),
      themes: fc.subarray(["delivery", "price", "support"]),
      // Multiples of 1/32 add up exactly in binary floating point, so sums do not depend on their order.
      sentiment: fc.option(fc.integer({ min: -32, max: 32 }).map((n) => n / 32)),
      raw: fc.integer({ min: 0, max: 10 }),
    })
    .chain((fields) => scale(fields.type).map((chosen) => ({ ...fields, chosen })));
  type Drawn = typeof arbitraryResponse extends fc.Arbitrary<infer T> ? T : never;
  const toResponses = (drawn: Drawn[]): RollupResponse[] =>
    drawn.map((fields, index) => {
      const type = fields.type as RollupResponse["type"];
      const max = type === "nps" ? 10 : type === "csat" ? 5 : (fields.chosen?.max ?? 7);
      const score = type === "comment" ? null : type === "nps" ? fields.raw : 1 + (fields.raw % max);
      return {
        id: `p-${index}`,
        type,
        score,
        scale: fields.chosen,
        themes: fields.themes,
        sentiment: fields.sentiment === null ? null : { label: "neutral", score: fields.sentiment },
        survey: fields.survey,
        touchpoint: fields.touchpoint,
        // A function of the touchpoint, as the journey config makes it.
        stage: fields.touchpoint === null ? null : `stage-${fields.touchpoint.length % 2}`,
        channel: fields.channel as RollupResponse["channel"],
        customer: fields.customer
          ? { id: fields.customer, segment: fields.segment, annualValue: 100 * index, currency: "EUR" }
          : null,
        submittedAt: `${DAY}T00:00:${String(index % 60).padStart(2, "0")}.000Z`,
      };
    });

  it("the aggregate of any split of the data equals the aggregate of the whole", () => {
    fc.assert(
      fc.property(
        fc.array(arbitraryResponse, { maxLength: 60 }),
        fc.array(fc.boolean(), { maxLength: 60 }),
        (drawn, sides) => {
          const responses = toResponses(drawn);
          const left = responses.filter((_, index) => sides[index]);
          const right = responses.filter((_, index) => !sides[index]);
          const whole = oneDay(responses);
          const merged = mergeDays(oneDay(left), oneDay(right));
          expect(merged).toEqual(whole);
          expect(metricsOf([merged], { groupBy: "segment" })).toEqual(metricsOf([whole], { groupBy: "segment" }));
          const window = { from: DAY, to: DAY };
          expect(computeDrivers({ window, days: [merged] })).toEqual(computeDrivers({ window, days: [whole] }));
        },
      ),
    );
  });

  it("the smallest view a query reads answers exactly as the full cube does", () => {
    const filterValue = fc.option(fc.constantFrom("post-purchase", "email", "smb", "delivery", "web"), {
      nil: undefined,
    });
    fc.assert(
      fc.property(
        fc.array(arbitraryResponse, { maxLength: 60 }),
        fc.record({ survey: filterValue, touchpoint: filterValue, channel: filterValue, segment: filterValue }),
        fc.option(fc.constantFrom(...GROUP_BYS), { nil: null }),
        (drawn, filters, groupBy) => {
          const cube = oneDay(toResponses(drawn));
          const view = viewFor(filters, groupBy);
          const viewDay = { ...cube, cells: cellsOfView(cube.cells, view) };
          expect(metricsOf([viewDay], { filters, groupBy })).toEqual(metricsOf([cube], { filters, groupBy }));
          if (view !== "cube") expect(viewDay.cells.length).toBeLessThanOrEqual(cube.cells.length);
        },
      ),
    );
  });

  it("a query on three or more dimensions answers from the running sums exactly as from the cube's days", async () => {
    // 2026-10-08 … 2026-12-31 crosses four running-sum blocks (the last three begin 2026-10-10, -11-11, -12-13).
    const first = "2026-10-08";
    const dayAt = (offset: number) => addDays(first, offset % 85);
    const filterValue = (values: string[]) => fc.option(fc.constantFrom(...values), { nil: undefined });
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(arbitraryResponse, fc.nat()), { minLength: 1, maxLength: 80 }),
        // Survey and segment, and a third dimension filtered or grouped by, or both.
        fc.record({
          survey: fc.constantFrom("post-purchase", "onboarding"),
          touchpoint: filterValue(["checkout", "delivery"]),
          channel: filterValue(["web", "email"]),
          segment: fc.constantFrom("smb", "enterprise"),
        }),
        fc.constantFrom(null, "week", "month", "channel", "touchpoint"),
        fc.nat({ max: 84 }),
        fc.integer({ min: 1, max: 60 }),
        async (drawn, filters, groupBy, start, length) => {
          fc.pre(
            groupBy === "channel" ||
              groupBy === "touchpoint" ||
              filters.channel !== undefined ||
              filters.touchpoint !== undefined,
          );
          const responses = toResponses(drawn.map(([fields]) => fields));
          const byDay = new Map<string, RollupResponse[]>();
          for (const [index, [, offset]] of drawn.entries())
            byDay.set(dayAt(offset), [...(byDay.get(dayAt(offset)) ?? []), responses[index] as RollupResponse]);
          const cubes = [...byDay].map(([day, ofDay]) => aggregateDay(day, ofDay));
          const running = new Map<string, DayAggregate[]>();
          for (const cube of cubes) {
            const { from } = runningBlock(cube.day);
            running.set(from, [...(running.get(from) ?? []), cube]);
          }
          const sums = [...running.values()].flatMap((ofBlock) => runningSums([], ofBlock));
          const aggregates = {
            days: async (view: View, from: string, to: string) =>
              cubes
                .filter((cube) => cube.day >= from && cube.day <= to)
                .map((cube) => ({ ...cube, cells: cellsOfView(cube.cells, view as CellView) })),
            runningSums: async (days: readonly string[]) =>
              new Map(
                days.map((day) => {
                  const latest = sums
                    .filter((sum) => sum.day <= day && sum.day >= runningBlock(day).from)
                    .sort((a, b) => (a.day < b.day ? 1 : -1))[0];
                  return [day, latest?.cells ?? []];
                }),
              ),
          };
          const window = { from: dayAt(start), to: addDays(dayAt(start), length - 1) };
          const fromSums = await metricsFor(
            { ...window, ...filters, ...(groupBy ? { groupBy } : {}) },
            { aggregates, today: () => "2027-01-01", minResponses: 5 },
          );
          expect(fromSums).toEqual(
            metricsFromCubes({ ...window, filters, groupBy }, cubes, { today: "2027-01-01", minResponses: 5 }),
          );
        },
      ),
      { numRuns: 150 },
    );
  });

  it("replaying any response, any number of times, changes nothing", () => {
    fc.assert(
      fc.property(
        fc.array(arbitraryResponse, { minLength: 1, maxLength: 40 }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 20 }),
        (drawn, picks) => {
          const responses = toResponses(drawn);
          const replays = picks.map((pick) => responses[pick % responses.length] as RollupResponse);
          expect(oneDay([...responses, ...replays])).toEqual(oneDay(responses));
        },
      ),
    );
  });
});
