import { describe, expect, it } from "vitest";
import { operationalEventInputSchema } from "../../lambdas/contracts/customers";
import { kpisSchema } from "../../lambdas/contracts/kpis";
import { computeKpis, type KpiEvent, kpisFor } from "../../lambdas/core/kpis";

/**
 * A hand-computed fixture for October 2026 (UTC). Six customers; the NPS category and segment are what was
 * stamped on each event when it was recorded. docs/metrics.md ("Operational KPIs") walks through the same numbers.
 *
 * | customer | segment    | events (October unless said)                                                             |
 * | c1       | smb        | promoter: purchase 2nd 100 EUR, ticket 13th (1 contact), purchase 16th 50 EUR, renewal 5th |
 * | c2       | smb        | promoter: purchase 9th 200 EUR, plan-change 11th, renewal 12th                            |
 * | c3       | enterprise | detractor: purchase 1st 80 EUR, ticket 2nd (3 contacts), return 4th 80 EUR,               |
 * |          |            |   cancellation 7th, ticket 21st (1 contact)                                               |
 * | c4       | enterprise | renewal 3rd (passive then), then detractor: ticket 14th (open), ticket 15th (no detail),  |
 * |          |            |   cancellation 20th                                                                       |
 * | c5       | smb        | passive: purchases 6th 30.1 USD and 20.2 USD, cancellation 10th, renewal 25th, ticket 27th (2) |
 * | c6       | (none)     | no NPS answer: renewal 28 Sep (outside), purchase 30th 40 EUR, purchase 30th (no amount)   |
 * | c1       |            | purchase 1 Nov 00:00 (outside)                                                            |
 */
const WINDOW = { from: "2026-10-01", to: "2026-10-31" };
let counter = 0;
function event(
  customerId: string,
  type: KpiEvent["type"],
  time: string,
  npsCategory: KpiEvent["npsCategory"],
  extra: Partial<KpiEvent> = {},
): KpiEvent {
  counter += 1;
  return { id: `e-${String(counter).padStart(3, "0")}`, customerId, type, time, npsCategory, ...extra };
}
const smb = { segment: "smb" };
const ent = { segment: "enterprise" };
const EVENTS: KpiEvent[] = [
  event("c1", "purchase", "2026-10-02T10:00:00Z", "promoter", { ...smb, amount: 100, currency: "EUR" }),
  event("c1", "support-ticket", "2026-10-13T10:00:00Z", "promoter", { ...smb, contactsToResolve: 1 }),
  event("c1", "purchase", "2026-10-16T10:00:00Z", "promoter", { ...smb, amount: 50, currency: "EUR" }),
  event("c1", "renewal", "2026-10-05T10:00:00Z", "promoter", smb),
  event("c2", "purchase", "2026-10-09T10:00:00Z", "promoter", { ...smb, amount: 200, currency: "EUR" }),
  event("c2", "plan-change", "2026-10-11T10:00:00Z", "promoter", smb),
  event("c2", "renewal", "2026-10-12T10:00:00Z", "promoter", smb),
  event("c3", "purchase", "2026-10-01T10:00:00Z", "detractor", { ...ent, amount: 80, currency: "EUR" }),
  event("c3", "support-ticket", "2026-10-02T10:00:00Z", "detractor", { ...ent, contactsToResolve: 3, resolved: true }),
  event("c3", "return", "2026-10-04T10:00:00Z", "detractor", { ...ent, amount: 80, currency: "EUR" }),
  event("c3", "cancellation", "2026-10-07T10:00:00Z", "detractor", ent),
  event("c3", "support-ticket", "2026-10-21T10:00:00Z", "detractor", { ...ent, contactsToResolve: 1 }),
  event("c4", "renewal", "2026-10-03T10:00:00Z", "passive", ent),
  event("c4", "support-ticket", "2026-10-14T10:00:00Z", "detractor", { ...ent, resolved: false }),
  event("c4", "support-ticket", "2026-10-15T10:00:00Z", "detractor", ent),
  event("c4", "cancellation", "2026-10-20T10:00:00Z", "detractor", ent),
  event("c5", "purchase", "2026-10-06T09:00:00Z", "passive", { ...smb, amount: 30.1, currency: "USD" }),
  event("c5", "purchase", "2026-10-06T18:00:00Z", "passive", { ...smb, amount: 20.2, currency: "USD" }),
  event("c5", "cancellation", "2026-10-10T10:00:00Z", "passive", smb),
  event("c5", "renewal", "2026-10-25T10:00:00Z", "passive", smb),
  event("c5", "support-ticket", "2026-10-27T10:00:00Z", "passive", { ...smb, contactsToResolve: 2 }),
  event("c6", "renewal", "2026-09-28T12:00:00Z", "none"),
  event("c6", "purchase", "2026-10-30T10:00:00Z", "none", { amount: 40, currency: "EUR" }),
  event("c6", "purchase", "2026-10-30T11:00:00Z", undefined),
  event("c1", "purchase", "2026-11-01T00:00:00Z", "promoter", { ...smb, amount: 999, currency: "EUR" }),
];

const kpisOf = (groupBy: Parameters<typeof computeKpis>[0]["groupBy"] = null, events = EVENTS) =>
  computeKpis({ window: WINDOW, groupBy, events, timeZone: "UTC", minResponses: 30 });
const rateOf = (value: { rate: number | null; numerator: number; denominator: number }) => [
  value.rate,
  value.numerator,
  value.denominator,
];

describe("operational KPIs (hand-computed)", () => {
  const report = kpisOf();

  it("is what GET /v1/kpis documents", () => {
    expect(kpisSchema.safeParse(report).success).toBe(true);
    expect(kpisSchema.safeParse(kpisOf("week")).success).toBe(true);
  });

  it("churn and retention: each customer's last renewal or cancellation in the window decides", () => {
    // Decided in October: c1 (renewal), c2 (renewal), c3 (cancellation), c4 (renewal 3rd, cancellation 20th:
    // cancelled), c5 (cancellation 10th, renewal 25th: retained). c6's renewal (28 Sep) is outside.
    // Churn = 2 / 5 = 40%, retention = 3 / 5 = 60%.
    expect(rateOf(report.churn)).toEqual([40, 2, 5]);
    expect(rateOf(report.retention)).toEqual([60, 3, 5]);
    // Continuity-corrected Wilson, n = 5, p = 0.4, z = 1.959964, z² = 3.841459, 2(n + z²) = 17.682918:
    // low  = (4 + 3.841459 − 1 − z·sqrt(3.841459 − 2 − 0.2 + 1.6 × (3 + 1))) / 17.682918
    //      = (6.841459 − 1.959964 × 2.835747) / 17.682918 = 1.283496 / 17.682918 = 0.072584 → 7.26
    // high = (4 + 3.841459 + 1 + z·sqrt(3.841459 + 2 − 0.2 + 1.6 × (3 − 1))) / 17.682918
    //      = (8.841459 + 1.959964 × 2.973459) / 17.682918 = 14.669330 / 17.682918 = 0.829577 → 82.96
    expect(report.churn.ci95).toEqual({ low: 7.26, high: 82.96 });
    // Retention is the mirror image: 3 of 5.
    expect(report.retention.ci95).toEqual({ low: 17.04, high: 92.74 });
    expect(report.churn.insufficient).toBe(true);
  });

  it("repurchase: customers with two purchases in the window of those with one", () => {
    // Purchasers: c1 (2), c2 (1), c3 (1), c5 (2), c6 (2: one without an amount still counts). The 1 Nov purchase is
    // outside. Repurchase = 3 / 5 = 60%.
    expect(rateOf(report.repurchase)).toEqual([60, 3, 5]);
  });

  it("first-contact resolution: resolved tickets resolved at the first contact", () => {
    // Tickets: c1 (1 contact), c3 (3), c3 (1), c4 (open), c4 (no detail: not resolved), c5 (2): 6 tickets,
    // 4 resolved, 2 at the first contact: 2 / 4 = 50%.
    expect(report.supportTickets).toBe(6);
    expect(rateOf(report.firstContactResolution)).toEqual([50, 2, 4]);
  });

  it("revenue: purchases minus returns, per currency, never summed across", () => {
    // EUR purchases 100 + 50 + 200 + 80 + 40 = 470, returns 80, net 390; customers c1, c2, c3, c6: 97.5 each.
    // USD 30.1 + 20.2 = 50.3 (not 50.300000000000004), one customer.
    expect(report.revenue).toEqual([
      {
        currency: "EUR",
        purchases: 470,
        returns: 80,
        net: 390,
        purchaseCount: 5,
        returnCount: 1,
        customers: 4,
        perCustomer: 97.5,
      },
      {
        currency: "USD",
        purchases: 50.3,
        returns: 0,
        net: 50.3,
        purchaseCount: 2,
        returnCount: 0,
        customers: 1,
        perCustomer: 50.3,
      },
    ]);
    expect(report.customers).toBe(6);
  });

  it("splits every KPI by the NPS category stamped on the event it is attributed to", () => {
    const { promoter, passive, detractor, none } = report.byNpsCategory;
    // Churn by the category on the deciding event: promoters c1, c2 renewed (0 of 2); detractors c3 and c4 (whose
    // cancellation was stamped detractor, though their renewal was passive) both cancelled (2 of 2); passive c5 renewed.
    expect(rateOf(promoter.churn)).toEqual([0, 0, 2]);
    expect(rateOf(promoter.retention)).toEqual([100, 2, 2]);
    expect(rateOf(detractor.churn)).toEqual([100, 2, 2]);
    expect(rateOf(detractor.retention)).toEqual([0, 0, 2]);
    expect(rateOf(passive.retention)).toEqual([100, 1, 1]);
    expect(rateOf(none.churn)).toEqual([null, 0, 0]);
    expect(none.churn.ci95).toBeNull();
    // Repurchase by the category on the first purchase: promoters c1 yes, c2 no (1 of 2); detractor c3 no (0 of 1);
    // passive c5 yes (1 of 1); c6 (none) yes (1 of 1).
    expect(rateOf(promoter.repurchase)).toEqual([50, 1, 2]);
    expect(rateOf(detractor.repurchase)).toEqual([0, 0, 1]);
    expect(rateOf(passive.repurchase)).toEqual([100, 1, 1]);
    expect(rateOf(none.repurchase)).toEqual([100, 1, 1]);
    // Tickets by their own category: promoter 1 of 1 first contact; detractor c3's 2 resolved, 1 first contact
    // (4 tickets with c4's two); passive c5 0 of 1.
    expect(rateOf(promoter.firstContactResolution)).toEqual([100, 1, 1]);
    expect(rateOf(detractor.firstContactResolution)).toEqual([50, 1, 2]);
    expect(detractor.supportTickets).toBe(4);
    expect(rateOf(passive.firstContactResolution)).toEqual([0, 0, 1]);
    // Revenue per promoter vs per detractor: promoters 100 + 50 + 200 = 350 EUR over 2 customers = 175 each;
    // detractors 80 − 80 = 0 over 1; passive 50.3 USD; none 40 EUR.
    expect(promoter.revenue).toEqual([
      {
        currency: "EUR",
        purchases: 350,
        returns: 0,
        net: 350,
        purchaseCount: 3,
        returnCount: 0,
        customers: 2,
        perCustomer: 175,
      },
    ]);
    expect(detractor.revenue).toMatchObject([{ currency: "EUR", net: 0, customers: 1, perCustomer: 0 }]);
    expect(passive.revenue).toMatchObject([{ currency: "USD", net: 50.3, perCustomer: 50.3 }]);
    expect(none.revenue).toMatchObject([{ currency: "EUR", net: 40, customers: 1, perCustomer: 40 }]);
    // Customers per category: a customer is in each category stamped on one of their events (c4: passive and detractor).
    expect([promoter.customers, passive.customers, detractor.customers, none.customers]).toEqual([2, 2, 2, 1]);
  });

  it("groups by week: each week counted from its own events, every week of the window listed", () => {
    const weekly = kpisOf("week");
    // 1 Oct 2026 is a Thursday: weeks start 28 Sep, 5, 12, 19 and 26 Oct.
    expect(weekly.groups.map((group) => group.key)).toEqual([
      "2026-09-28",
      "2026-10-05",
      "2026-10-12",
      "2026-10-19",
      "2026-10-26",
    ]);
    const [first, second, third, fourth, fifth] = weekly.groups;
    // Week of 28 Sep (1-4 Oct only): c4 renewal (3rd) → churn 0 of 1; purchases c1, c3 → repurchase 0 of 2;
    // revenue EUR 100 + 80 − 80 = 100 over c1, c3.
    expect(rateOf(first?.churn ?? report.churn)).toEqual([0, 0, 1]);
    expect(rateOf(first?.repurchase ?? report.churn)).toEqual([0, 0, 2]);
    expect(first?.revenue).toMatchObject([{ currency: "EUR", net: 100, customers: 2, perCustomer: 50 }]);
    // Week of 5 Oct: c1 renewal, c3 cancellation, c5 cancellation → churn 2 of 3; c2 one purchase, c5 two → 1 of 2.
    expect(rateOf(second?.churn ?? report.churn)).toEqual([66.67, 2, 3]);
    expect(rateOf(second?.repurchase ?? report.churn)).toEqual([50, 1, 2]);
    // Week of 12 Oct: c2 renewal → 0 of 1; tickets c1 (1 contact), c4 open, c4 no detail → FCR 1 of 1, 3 tickets.
    expect(rateOf(third?.churn ?? report.churn)).toEqual([0, 0, 1]);
    expect(rateOf(third?.firstContactResolution ?? report.churn)).toEqual([100, 1, 1]);
    expect(third?.supportTickets).toBe(3);
    // c1 bought on the 2nd and the 16th: a repurchase in October, but in neither week (each counts 0 of 1).
    expect(rateOf(third?.repurchase ?? report.churn)).toEqual([0, 0, 1]);
    // Week of 19 Oct: c4 cancellation, c5 renewal → 1 of 2; week of 26 Oct: c6's two purchases → 1 of 1.
    expect(rateOf(fourth?.churn ?? report.churn)).toEqual([50, 1, 2]);
    expect(rateOf(fifth?.repurchase ?? report.churn)).toEqual([100, 1, 1]);
    expect(fifth?.byNpsCategory.none.revenue).toMatchObject([{ currency: "EUR", net: 40 }]);
  });

  it("groups by the segment stamped on the event, most events first, no segment as null", () => {
    const bySegment = kpisOf("segment");
    // smb: c1 4 + c2 3 + c5 5 = 12 events; enterprise: c3 5 + c4 4 = 9; none: c6's 2 in the window.
    expect(bySegment.groups.map((group) => group.key)).toEqual(["smb", "enterprise", null]);
    const [smbGroup, enterprise, unknown] = bySegment.groups;
    // smb: c1, c2 renewed, c5 last renewed: churn 0 of 3; enterprise: c3, c4 cancelled: 2 of 2.
    expect(rateOf(smbGroup?.churn ?? report.churn)).toEqual([0, 0, 3]);
    expect(rateOf(enterprise?.churn ?? report.churn)).toEqual([100, 2, 2]);
    expect(rateOf(unknown?.repurchase ?? report.churn)).toEqual([100, 1, 1]);
  });

  it("counts an event in its day of the metrics time zone", () => {
    // 31 Oct 23:30 UTC is 1 Nov 00:30 in Berlin (CET after 25 Oct): outside; 30 Sep 22:30 UTC is 1 Oct there: inside.
    const events = [
      event("z1", "cancellation", "2026-10-31T23:30:00Z", "detractor"),
      event("z2", "renewal", "2026-09-30T22:30:00Z", "promoter"),
    ];
    const berlin = computeKpis({ window: WINDOW, groupBy: null, events, timeZone: "Europe/Berlin", minResponses: 1 });
    expect(rateOf(berlin.retention)).toEqual([100, 1, 1]);
    expect(berlin.retention.insufficient).toBe(false);
    const utc = computeKpis({ window: WINDOW, groupBy: null, events, timeZone: "UTC", minResponses: 1 });
    expect(rateOf(utc.churn)).toEqual([100, 1, 1]);
  });

  it("an empty window has no rates and no revenue", () => {
    const empty = kpisOf("month", []);
    expect(empty.churn).toEqual({ rate: null, numerator: 0, denominator: 0, ci95: null, insufficient: true });
    expect(empty.revenue).toEqual([]);
    expect(empty.groups).toHaveLength(1);
    expect(empty.groups[0]?.key).toBe("2026-10");
  });
});

describe("what GET /v1/kpis reads", () => {
  const asked: [string, string][] = [];
  const ports = (timeZone: string) => ({
    events: {
      eventsBetween: async (from: string, to: string) => {
        asked.push([from, to]);
        return EVENTS;
      },
    },
    today: () => "2026-11-15",
    timeZone,
    minResponses: 30,
  });

  it("asks for the window's instants only, a day either side for any time zone, then keeps the window's days", async () => {
    asked.length = 0;
    const report = await kpisFor({ ...WINDOW }, ports("Europe/Berlin"));
    expect(asked).toEqual([["2026-09-30T00:00:00.000Z", "2026-11-02T00:00:00.000Z"]]);
    // In Berlin c6's 28 Sep renewal and c1's purchase at 1 Nov 00:00 UTC (01:00 there) stay outside.
    expect(rateOf(report.churn)).toEqual([40, 2, 5]);
    expect(report.revenue[0]?.net).toBe(390);
  });

  it("defaults to the 30 days to today, clamps at the storable years, and names a bad window", async () => {
    asked.length = 0;
    expect((await kpisFor({}, ports("UTC"))).from).toBe("2026-10-17");
    await kpisFor({ from: "0001-01-01", to: "0001-01-31" }, ports("UTC"));
    await kpisFor({ from: "9999-12-01", to: "9999-12-31", groupBy: "day" }, ports("UTC"));
    expect(asked).toEqual([
      ["2026-10-16T00:00:00.000Z", "2026-11-17T00:00:00.000Z"],
      ["0001-01-01T00:00:00.000Z", "0001-02-02T00:00:00.000Z"],
      ["9999-11-30T00:00:00.000Z", "9999-12-31T23:59:59.999Z~"],
    ]);
    await expect(kpisFor({ from: "2026-11-02", to: "2026-11-01" }, ports("UTC"))).rejects.toMatchObject({
      details: [{ path: "query.from" }],
    });
  });
});

describe("operational event input", () => {
  const paths = (input: unknown) => {
    const parsed = operationalEventInputSchema.safeParse(input);
    return parsed.success ? [] : parsed.error.issues.map((issue) => issue.path.join("."));
  };
  const time = "2026-10-02T10:00:00Z";

  it("keeps what was valid before", () => {
    expect(paths({ type: "support-ticket", time })).toEqual([]);
    expect(paths({ type: "plan-change", time, amount: -5 })).toEqual([]);
    expect(paths({ type: "purchase", time })).toEqual([]);
  });

  it("requires a currency with a purchase or return amount, and refuses what does not fit the type", () => {
    expect(paths({ type: "purchase", time, amount: 10, currency: "EUR" })).toEqual([]);
    expect(paths({ type: "purchase", time, amount: 10 })).toEqual(["currency"]);
    expect(paths({ type: "return", time, amount: -10, currency: "EUR" })).toEqual(["amount"]);
    expect(paths({ type: "purchase", time, amount: 10, currency: "euro" })).toEqual(["currency"]);
    expect(paths({ type: "renewal", time, currency: "EUR" })).toEqual(["currency"]);
    expect(paths({ type: "cancellation", time })).toEqual([]);
    expect(paths({ type: "support-ticket", time, contactsToResolve: 1 })).toEqual([]);
    expect(paths({ type: "support-ticket", time, contactsToResolve: 0 })).toEqual(["contactsToResolve"]);
    expect(paths({ type: "support-ticket", time, contactsToResolve: 1.5 })).toEqual(["contactsToResolve"]);
    expect(paths({ type: "support-ticket", time, resolved: true })).toEqual(["contactsToResolve"]);
    expect(paths({ type: "support-ticket", time, resolved: false, contactsToResolve: 2 })).toEqual([
      "contactsToResolve",
    ]);
    expect(paths({ type: "purchase", time, contactsToResolve: 1, resolved: true })).toEqual([
      "contactsToResolve",
      "resolved",
    ]);
  });
});
