import { unmarshall } from "@aws-sdk/util-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { drain, httpEvent, KEYS, type Pipeline, startPipeline } from "../support/pipeline";

/**
 * Operational KPIs through the real entry points: customers answer NPS through the pipeline, events are recorded
 * through `POST /v1/customers/{id}/events` (each stamped with the category of the customer's latest NPS answer as
 * of its time), and `GET /v1/kpis` answers the hand-computed figures below.
 *
 * NPS answers: p1 9 (10 Sep), p2 10 (12 Sep), d1 3 (15 Sep), d2 6 (20 Sep) and 10 (15 Nov, after every event),
 * x1 2 (5 Sep) then 10 (10 Oct); p1 also a CSAT (25 Sep), which is no NPS answer. n1 never answers.
 * Segments: p1, p2, x1 smb; d1, d2 enterprise; n1 has no profile.
 */
const WINDOW = { from: "2026-10-01", to: "2026-10-31" };
const ANSWERS = [
  { id: "kpi-p1-nps", customer: "p1", type: "nps", score: 9, at: "2026-09-10" },
  { id: "kpi-p1-csat", customer: "p1", type: "csat", score: 2, at: "2026-09-25" },
  { id: "kpi-p2-nps", customer: "p2", type: "nps", score: 10, at: "2026-09-12" },
  { id: "kpi-d1-nps", customer: "d1", type: "nps", score: 3, at: "2026-09-15" },
  { id: "kpi-d2-nps", customer: "d2", type: "nps", score: 6, at: "2026-09-20" },
  { id: "kpi-d2-nps-late", customer: "d2", type: "nps", score: 10, at: "2026-11-15" },
  { id: "kpi-x1-nps", customer: "x1", type: "nps", score: 2, at: "2026-09-05" },
  { id: "kpi-x1-nps-2", customer: "x1", type: "nps", score: 10, at: "2026-10-10" },
];
const t = (day: string) => `2026-${day}T10:00:00Z`;
/** [customer, event]; the NPS category each will be stamped with is in the comment. */
const EVENTS: [string, Record<string, unknown>][] = [
  ["p1", { id: "p1-renew", type: "renewal", time: t("10-05") }], // promoter
  ["p1", { id: "p1-buy-1", type: "purchase", time: t("10-03"), amount: 100, currency: "EUR" }], // promoter
  ["p1", { id: "p1-buy-2", type: "purchase", time: t("10-17"), amount: 60, currency: "EUR" }], // promoter
  ["p1", { id: "p1-ticket", type: "support-ticket", time: t("10-08"), contactsToResolve: 1 }], // promoter
  ["p1", { id: "p1-buy-nov", type: "purchase", time: t("11-02"), amount: 500, currency: "EUR" }], // outside
  ["p2", { id: "p2-renew", type: "renewal", time: t("10-06") }], // promoter
  ["p2", { id: "p2-buy-1", type: "purchase", time: t("10-09"), amount: 200, currency: "EUR" }], // promoter
  ["p2", { id: "p2-ticket", type: "support-ticket", time: t("10-12"), contactsToResolve: 1, resolved: true }],
  ["d1", { id: "d1-cancel", type: "cancellation", time: t("10-07") }], // detractor
  ["d1", { id: "d1-buy-1", type: "purchase", time: t("10-02"), amount: 80, currency: "EUR" }], // detractor
  ["d1", { id: "d1-return", type: "return", time: t("10-04"), amount: 30, currency: "EUR" }], // detractor
  ["d1", { id: "d1-ticket-1", type: "support-ticket", time: t("10-03"), contactsToResolve: 1 }], // detractor
  ["d1", { id: "d1-ticket-2", type: "support-ticket", time: t("10-11"), contactsToResolve: 3 }], // detractor
  ["d2", { id: "d2-renew", type: "renewal", time: t("10-14") }], // detractor (the 15 Nov promoter answer is later)
  ["d2", { id: "d2-buy-1", type: "purchase", time: t("10-15"), amount: 50, currency: "USD" }], // detractor
  ["x1", { id: "x1-buy-1", type: "purchase", time: t("10-05"), amount: 40, currency: "EUR" }], // detractor (5 Sep)
  ["x1", { id: "x1-cancel", type: "cancellation", time: t("10-20") }], // promoter (10 Oct)
  ["x1", { id: "x1-buy-2", type: "purchase", time: t("10-22"), amount: 20, currency: "EUR" }], // promoter
  ["n1", { id: "n1-buy-1", type: "purchase", time: t("10-25"), amount: 10, currency: "EUR" }], // none
  ["n1", { id: "n1-ticket", type: "support-ticket", time: "2026-10-26T08:00:00+02:00", resolved: false }], // none
];

let pipeline: Pipeline;
type Api = Awaited<ReturnType<Pipeline["api"]>>;
let customersApi: Api;
let metricsApi: Api;
const admin = { authorization: `Bearer ${KEYS.admin}` };
const read = { authorization: `Bearer ${KEYS.read}` };

const recordEvent = (customer: string, body: unknown) =>
  customersApi(
    httpEvent("POST /v1/customers/{id}/events", {
      headers: admin,
      pathParameters: { id: customer },
      body: JSON.stringify(body),
    }),
  );
const kpis = (query: Record<string, string>) => metricsApi(httpEvent("GET /v1/kpis", { headers: read, query }));
const rateOf = (value: { rate: number | null; numerator: number; denominator: number }) => [
  value.rate,
  value.numerator,
  value.denominator,
];

const recorded: Record<string, { statusCode: number; body: Record<string, unknown> }> = {};

beforeAll(async () => {
  pipeline = await startPipeline();
  customersApi = await pipeline.api("customers-api");
  metricsApi = await pipeline.api("metrics-api");
  for (const [id, segment] of [
    ["p1", "smb"],
    ["p2", "smb"],
    ["x1", "smb"],
    ["d1", "enterprise"],
    ["d2", "enterprise"],
  ] as const) {
    const put = await customersApi(
      httpEvent("PUT /v1/customers/{id}", {
        headers: admin,
        pathParameters: { id },
        body: JSON.stringify({ segment }),
      }),
    );
    expect(put.statusCode).toBe(201);
  }
  const answers = ANSWERS.map(({ id, customer, type, score, at }) => ({
    id,
    type,
    score,
    submittedAt: `${at}T09:00:00Z`,
    customer: { id: customer },
  }));
  expect((await pipeline.submitBatch({ responses: answers })).body.accepted).toBe(ANSWERS.length);
  await drain(pipeline);
  for (const [customer, event] of EVENTS) {
    const answer = await recordEvent(customer, event);
    expect(answer.statusCode, JSON.stringify(answer.body)).toBe(201);
    recorded[event.id as string] = answer;
  }
}, 60_000);
afterAll(async () => {
  await pipeline.stop();
});

describe("POST /v1/customers/{id}/events for KPIs", () => {
  it("stamps the category of the customer's latest NPS answer as of the event, and their segment", () => {
    expect(recorded["x1-buy-1"]?.body).toMatchObject({ npsCategory: "detractor", segment: "smb", currency: "EUR" });
    expect(recorded["x1-cancel"]?.body).toMatchObject({ npsCategory: "promoter" });
    // d2's promoter answer of 15 Nov came after the October events: they stay detractor.
    expect(recorded["d2-renew"]?.body).toMatchObject({ npsCategory: "detractor", segment: "enterprise" });
    // p1's latest answer before the event is a CSAT: the NPS answer before it counts.
    expect(recorded["p1-buy-1"]?.body).toMatchObject({ npsCategory: "promoter" });
    expect(recorded["n1-buy-1"]?.body).toMatchObject({ npsCategory: "none" });
    expect(recorded["n1-buy-1"]?.body).not.toHaveProperty("segment");
  });

  it("records a repeat of the same id once", async () => {
    const [customer, event] = EVENTS.find(([, candidate]) => candidate.id === "p2-buy-1") ?? [];
    const repeat = await recordEvent(customer as string, event);
    expect(repeat.statusCode).toBe(200);
    const view = await customersApi(
      httpEvent("GET /v1/customers/{id}", { headers: read, pathParameters: { id: "p2" } }),
    );
    expect(view.body.events.filter((item: { id: string }) => item.id === "p2-buy-1")).toHaveLength(1);
    // The same id at another time is not a second event either: it is refused, naming the id.
    const moved = await recordEvent(customer as string, { ...(event as object), time: "2026-10-20T10:00:00Z" });
    expect(moved.statusCode).toBe(409);
    expect(moved.body.error).toMatchObject({ code: "idempotency_conflict", details: [{ path: "id" }] });
    const after = await customersApi(
      httpEvent("GET /v1/customers/{id}", { headers: read, pathParameters: { id: "p2" } }),
    );
    expect(after.body.events.filter((item: { id: string }) => item.id === "p2-buy-1")).toHaveLength(1);
  });

  it.each([
    [{ type: "purchase", time: t("10-10"), amount: 10 }, "currency"],
    [{ type: "return", time: t("10-10"), amount: -10, currency: "EUR" }, "amount"],
    [{ type: "purchase", time: t("10-10"), amount: 10, currency: "euro" }, "currency"],
    [{ type: "support-ticket", time: t("10-10"), contactsToResolve: 0 }, "contactsToResolve"],
    [{ type: "support-ticket", time: t("10-10"), resolved: true }, "contactsToResolve"],
    [{ type: "renewal", time: t("10-10"), resolved: true }, "resolved"],
    [{ type: "churned", time: t("10-10") }, "type"],
  ])("refuses %o with a 422 naming %s", async (body, field) => {
    const answer = await recordEvent("p1", { id: "bad-1", ...body });
    expect(answer.statusCode).toBe(422);
    expect(answer.body.error.details.map((detail: { path: string }) => detail.path)).toEqual([field]);
  });

  it("indexes each event under the UTC month of its time", async () => {
    const { ScanCommand } = await import("@aws-sdk/client-dynamodb");
    const { Items } = await pipeline.dynamoClient.send(new ScanCommand({ TableName: pipeline.tableName }));
    const events = (Items ?? []).map((item) => unmarshall(item)).filter((item) => String(item.sk).startsWith("EVENT#"));
    expect(events).toHaveLength(EVENTS.length);
    expect(events.find((item) => item.id === "n1-ticket")).toMatchObject({
      gsi1pk: "EVENTS#2026-10",
      gsi1sk: "2026-10-26T06:00:00.000Z#n1#n1-ticket",
    });
    expect(events.find((item) => item.id === "p1-buy-nov")?.gsi1pk).toBe("EVENTS#2026-11");
  });
});

describe("GET /v1/kpis", () => {
  it("answers the hand-computed KPIs of October, overall", async () => {
    const answer = await kpis(WINDOW);
    expect(answer.statusCode).toBe(200);
    const body = answer.body;
    expect(body).toMatchObject({ ...WINDOW, groupBy: null, supportTickets: 5, customers: 6 });
    // Decisions: p1, p2, d2 renewed; d1, x1 cancelled: churn 2 / 5 = 40%, retention 3 / 5 = 60%.
    expect(rateOf(body.churn)).toEqual([40, 2, 5]);
    expect(rateOf(body.retention)).toEqual([60, 3, 5]);
    expect(body.churn).toMatchObject({ ci95: { low: 7.26, high: 82.96 }, insufficient: true });
    // Purchasers p1 (2), p2 (1: its repeat is not a second), d1, d2, x1 (2), n1; p1's November one is outside: 2 / 6.
    expect(rateOf(body.repurchase)).toEqual([33.33, 2, 6]);
    // Resolved tickets p1 (1 contact), p2 (1), d1 (1), d1 (3); n1's is open: 3 / 4 = 75%.
    expect(rateOf(body.firstContactResolution)).toEqual([75, 3, 4]);
    // EUR purchases 100 + 60 + 200 + 80 + 40 + 20 + 10 = 510, returns 30, net 480 over p1, p2, d1, x1, n1 = 96 each;
    // USD 50 (d2). Never added together.
    expect(body.revenue).toEqual([
      {
        currency: "EUR",
        purchases: 510,
        returns: 30,
        net: 480,
        purchaseCount: 7,
        returnCount: 1,
        customers: 5,
        perCustomer: 96,
      },
      {
        currency: "USD",
        purchases: 50,
        returns: 0,
        net: 50,
        purchaseCount: 1,
        returnCount: 0,
        customers: 1,
        perCustomer: 50,
      },
    ]);
  });

  it("splits them by NPS category: promoters renew at 66.67%, detractors at 50%; revenue per promoter vs detractor", async () => {
    const { promoter, passive, detractor, none } = (await kpis(WINDOW)).body.byNpsCategory;
    // Promoters at their decision: p1, p2 renewed, x1 (promoter since 10 Oct) cancelled: retention 2 / 3.
    expect(rateOf(promoter.retention)).toEqual([66.67, 2, 3]);
    expect(rateOf(promoter.churn)).toEqual([33.33, 1, 3]);
    // Detractors: d1 cancelled, d2 renewed: 1 / 2.
    expect(rateOf(detractor.retention)).toEqual([50, 1, 2]);
    expect(rateOf(passive.churn)).toEqual([null, 0, 0]);
    // Repurchase by the category at the first purchase: promoters p1 yes, p2 no (1 / 2); detractors d1 no, d2 no,
    // x1 (a detractor when first buying) yes (1 / 3); n1 no (0 / 1).
    expect(rateOf(promoter.repurchase)).toEqual([50, 1, 2]);
    expect(rateOf(detractor.repurchase)).toEqual([33.33, 1, 3]);
    expect(rateOf(none.repurchase)).toEqual([0, 0, 1]);
    // First contact: promoters p1, p2 (2 / 2); detractor d1 1 of 2; n1's open ticket counts, but not in the rate.
    expect(rateOf(promoter.firstContactResolution)).toEqual([100, 2, 2]);
    expect(rateOf(detractor.firstContactResolution)).toEqual([50, 1, 2]);
    expect(none.supportTickets).toBe(1);
    expect(rateOf(none.firstContactResolution)).toEqual([null, 0, 0]);
    // Revenue per promoter: EUR 100 + 60 + 200 + 20 (x1 after 10 Oct) = 380 over p1, p2, x1 = 126.67.
    // Per detractor: EUR 80 − 30 + 40 = 90 over d1, x1 = 45; USD 50 over d2.
    expect(promoter.revenue).toEqual([
      {
        currency: "EUR",
        purchases: 380,
        returns: 0,
        net: 380,
        purchaseCount: 4,
        returnCount: 0,
        customers: 3,
        perCustomer: 126.67,
      },
    ]);
    expect(detractor.revenue).toEqual([
      {
        currency: "EUR",
        purchases: 120,
        returns: 30,
        net: 90,
        purchaseCount: 2,
        returnCount: 1,
        customers: 2,
        perCustomer: 45,
      },
      {
        currency: "USD",
        purchases: 50,
        returns: 0,
        net: 50,
        purchaseCount: 1,
        returnCount: 0,
        customers: 1,
        perCustomer: 50,
      },
    ]);
    expect(none.revenue).toMatchObject([{ currency: "EUR", net: 10, customers: 1 }]);
  });

  it("groups by segment (as stamped) and by month", async () => {
    const bySegment = (await kpis({ ...WINDOW, groupBy: "segment" })).body;
    // smb: p1 4 + p2 3 + x1 3 = 10 events; enterprise: d1 5 + d2 2 = 7; no segment: n1's 2.
    expect(bySegment.groups.map((group: { key: string | null }) => group.key)).toEqual(["smb", "enterprise", null]);
    const [smb, enterprise] = bySegment.groups;
    // smb: p1, p2 renewed, x1 cancelled (1 / 3); enterprise: d1 cancelled, d2 renewed (1 / 2).
    expect(rateOf(smb.churn)).toEqual([33.33, 1, 3]);
    expect(rateOf(enterprise.churn)).toEqual([50, 1, 2]);
    expect(rateOf(smb.byNpsCategory.promoter.retention)).toEqual([66.67, 2, 3]);

    const byMonth = (await kpis({ from: "2026-10-01", to: "2026-11-30", groupBy: "month" })).body;
    expect(byMonth.groups.map((group: { key: string }) => group.key)).toEqual(["2026-10", "2026-11"]);
    // November holds p1's 500 EUR purchase alone.
    expect(byMonth.groups[1].revenue).toMatchObject([{ currency: "EUR", net: 500, customers: 1 }]);
    expect(byMonth.groups[0].revenue[0].net).toBe(480);
    expect(byMonth.revenue[0].net).toBe(980);
  });

  it.each([
    [{ groupBy: "touchpoint" }, "query.groupBy"],
    [{ from: "2026-11-02", to: "2026-11-01" }, "query.from"],
    [{ from: "yesterday" }, "query.from"],
    [{ segment: "smb" }, "query.segment"],
  ])("refuses %o with a 422 naming %s", async (query, field) => {
    const answer = await kpis(query as Record<string, string>);
    expect(answer.statusCode).toBe(422);
    expect(answer.body.error.details.map((detail: { path: string }) => detail.path)).toContain(field);
  });

  it("answers at the edges of the storable years", async () => {
    for (const window of [
      { from: "9999-12-01", to: "9999-12-31" },
      { from: "0001-01-01", to: "0001-01-31" },
    ]) {
      const answer = await kpis({ ...window, groupBy: "week" });
      expect(answer.statusCode, JSON.stringify(answer.body)).toBe(200);
      expect(answer.body.customers).toBe(0);
    }
  });

  it("needs a key with the read scope", async () => {
    const answer = await metricsApi(httpEvent("GET /v1/kpis", { query: WINDOW }));
    expect(answer.statusCode).toBe(401);
  });
});
