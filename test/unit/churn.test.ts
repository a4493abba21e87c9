import { describe, expect, it } from "vitest";
import { type ChurnSignals, churnRisk, crossedThreshold } from "../../lambdas/core/churn";

const now = new Date("2026-11-23T00:00:00Z");
const none: ChurnSignals = {
  latestNps: null,
  previousNpsScore: null,
  latestCsatCategory: null,
  latestCesCategory: null,
  openCases: 0,
  overdueCases: 0,
  renewalDate: null,
  returnsLast90Days: 0,
  supportTicketsLast30Days: 0,
};

describe("churn risk", () => {
  it("is the logistic of the intercept alone when nothing is known", () => {
    expect(churnRisk(none, now)).toEqual({ score: 0.1, level: "low", reasons: [] });
  });

  it("reproduces the worked example in docs/churn-model.md", () => {
    const risk = churnRisk(
      {
        ...none,
        latestNps: { score: 3, category: "detractor" },
        previousNpsScore: 8,
        openCases: 1,
        renewalDate: "2026-12-15",
        supportTicketsLast30Days: 2,
      },
      now,
    );
    // z = -2.2 + 1.2 + 5×0.15 + 0.4 + 0.9 + 2×0.2 = 1.45 → 1 / (1 + e^-1.45) = 0.810
    expect(risk).toEqual({
      score: 0.81,
      level: "high",
      reasons: [
        "latest NPS 3 (detractor)",
        "renewal in 22 days",
        "NPS fell 5 points since the previous answer",
        "1 open follow-up case(s)",
        "2 support ticket(s) in 30 days",
      ],
    });
  });

  it("lowers risk for promoters and caps noisy signals", () => {
    expect(churnRisk({ ...none, latestNps: { score: 10, category: "promoter" } }, now).score).toBeLessThan(0.1);
    const capped = churnRisk({ ...none, supportTicketsLast30Days: 50 }, now);
    expect(capped.score).toBe(churnRisk({ ...none, supportTicketsLast30Days: 5 }, now).score);
  });

  it("crosses a threshold once, from below", () => {
    expect(crossedThreshold(null, 0.7, 0.6)).toBe(true);
    expect(crossedThreshold(0.5, 0.7, 0.6)).toBe(true);
    expect(crossedThreshold(0.65, 0.7, 0.6)).toBe(false);
    expect(crossedThreshold(0.7, 0.5, 0.6)).toBe(false);
  });
});
