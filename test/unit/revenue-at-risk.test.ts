import { describe, expect, it } from "vitest";
import { revenueAtRisk } from "../../lambdas/core/revenue-at-risk";

describe("revenue at risk", () => {
  it("sums value × risk over customers at or above the threshold, per currency and segment", () => {
    expect(
      revenueAtRisk(
        [
          { id: "a", segment: "enterprise", annualValue: 100_000, currency: "EUR", churnRisk: 0.8 },
          { id: "b", segment: "smb", annualValue: 10_000, currency: "EUR", churnRisk: 0.6 },
          { id: "c", segment: "smb", annualValue: 5_000, currency: "USD", churnRisk: 0.7 },
          { id: "d", segment: "smb", annualValue: null, currency: null, churnRisk: 0.9 },
          { id: "e", segment: "smb", annualValue: 1_000_000, currency: "EUR", churnRisk: 0.59 },
        ],
        0.6,
      ),
    ).toEqual({
      threshold: 0.6,
      customersAtRisk: 4,
      customersWithoutValue: 1,
      revenueAtRisk: [
        {
          currency: "EUR",
          total: 86_000,
          customers: 2,
          bySegment: [
            { segment: "enterprise", total: 80_000 },
            { segment: "smb", total: 6_000 },
          ],
        },
        { currency: "USD", total: 3_500, customers: 1, bySegment: [{ segment: "smb", total: 3_500 }] },
      ],
    });
  });

  it("is empty, not an error, when nobody is at risk", () => {
    expect(revenueAtRisk([], 0.6)).toEqual({
      threshold: 0.6,
      customersAtRisk: 0,
      customersWithoutValue: 0,
      revenueAtRisk: [],
    });
  });
});
