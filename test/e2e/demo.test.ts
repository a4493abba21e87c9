import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoCustomers, runDemo } from "../../local/demo";
import { type Json, localApi } from "../support/local-api";

const local = localApi("demo");
const { call } = local;
/** Functions start slowly on a busy 2-core machine; a whole demo run posts 450 answers through all of them. */
const HEAVY = 240_000;

const day = (daysAgo: number) => new Date(Date.now() - daysAgo * 86_400_000).toISOString().slice(0, 10);
const range = `from=${day(42)}&to=${day(0)}`;
const demo = () => runDemo({ baseUrl: local.runtime().url, apiKey: local.apiKey, log: () => undefined });
/** Every answer the metrics count, of all three types. */
async function responseCount() {
  const { body } = await call("GET", `/v1/metrics?${range}`);
  return body.nps.responses + body.csat.responses + body.ces.reduce((sum: number, ces: Json) => sum + ces.responses, 0);
}

beforeAll(async () => {
  await local.start();
  await demo();
}, HEAVY);
afterAll(async () => {
  await local.stop();
  local.removeData();
});

describe("npm run demo", () => {
  it("imports the customer profiles, with segment, value and renewal", async () => {
    for (const id of ["northwind-logistics", "kestrel-analytics", "nordic-knit"]) {
      const { status, body } = await call("GET", `/v1/customers/${id}`);
      expect(status, id).toBe(200);
      expect(body.profile, id).toMatchObject({
        minimal: false,
        segment: expect.any(String),
        annualValue: expect.any(Number),
        renewalDate: expect.any(String),
      });
      expect(body.profile.email).toMatch(/@[a-z-]+\.example\.com$/);
      expect(body.responses.length, id).toBeGreaterThan(0);
    }
    const { body } = await call("GET", `/v1/metrics?${range}&groupBy=segment`);
    expect(body.groups.map((group: Json) => group.key).sort()).toEqual(["enterprise", "mid-market", "smb"]);
    const ids = demoCustomers(new Date()).map((customer) => customer.id);
    expect(ids.length).toBeGreaterThanOrEqual(25);
    const profiles = await Promise.all(ids.map(async (id) => (await call("GET", `/v1/customers/${id}`)).body.profile));
    expect(profiles.filter((profile) => profile?.minimal === false)).toHaveLength(ids.length);
  });

  it("tells six weeks of NPS, with themes that drive it", async () => {
    const { body } = await call("GET", `/v1/metrics?${range}&groupBy=week`);
    const weeks = body.groups.filter((group: Json) => group.nps.responses > 0 && group.nps.score !== null);
    expect(weeks.length).toBeGreaterThanOrEqual(6);
    expect(body.nps.score).not.toBeNull();
    expect(await responseCount()).toBe(450);
    const drivers = (await call("GET", `/v1/drivers?${range}`)).body.drivers.map((driver: Json) => driver.theme);
    expect(drivers).toEqual(expect.arrayContaining(["delivery", "price", "support", "billing", "product quality"]));
  });

  it("puts revenue at risk", async () => {
    const { body } = await call("GET", "/v1/revenue-at-risk");
    expect(body.customersAtRisk).toBeGreaterThan(0);
    expect(body.revenueAtRisk.length).toBeGreaterThan(0);
    expect(body.revenueAtRisk[0].total).toBeGreaterThan(0);
  });

  it("leaves a queue with open, contacted and resolved cases", async () => {
    for (const status of ["open", "contacted", "resolved"]) {
      const { body } = await call("GET", `/v1/cases?status=${status}&limit=100`);
      expect(body.items.length, status).toBeGreaterThan(0);
    }
    const { body } = await call("GET", "/v1/cases?status=resolved&limit=100");
    expect(body.items.every((item: Json) => item.rootCause)).toBe(true);
  });

  it(
    "stores nothing twice and works no further case when run again",
    async () => {
      const worked = async () => ({
        contacted: (await call("GET", "/v1/cases?status=contacted&limit=100")).body.items.length,
        resolved: (await call("GET", "/v1/cases?status=resolved&limit=100")).body.items.length,
      });
      const before = { responses: await responseCount(), worked: await worked() };
      await demo();
      expect(await responseCount()).toBe(before.responses);
      expect(await worked()).toEqual(before.worked);
      const plans = (await call("GET", "/v1/action-plans")).body.items;
      expect(plans.map((plan: Json) => plan.owner).sort()).toEqual(["logistics", "support-leads"]);
    },
    HEAVY,
  );
});
