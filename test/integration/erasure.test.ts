import type { ScheduledEvent } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DetailType } from "../../lambdas/contracts/events";
import type { ResponseRecord } from "../../lambdas/contracts/record";
import { openCase } from "../../lambdas/core/cases";
import { config, record } from "../support/cases";
import {
  drain,
  httpEvent,
  KEYS,
  lambdaContext,
  metricsAndDrivers,
  type Pipeline,
  startPipeline,
} from "../support/pipeline";

/**
 * Erasure through the real entry points, for a customer with more responses than one erasure page holds:
 * every one is moved under one pseudonym, the metrics stay exactly as they were, and the id is unknown
 * afterwards, to the API and in the table.
 */
const CUSTOMER = "erase-me-4711";
const OTHER = "keep-me-4712";
/** More than one erasure page (100), so the erasure has to page. */
const RESPONSES = 150;
const DAYS = ["2026-11-02", "2026-11-03", "2026-11-04"];
const WINDOW = { from: "2026-11-01", to: "2026-11-05" };

let pipeline: Pipeline;
type Api = Awaited<ReturnType<Pipeline["api"]>>;
let customersApi: Api;
let metricsApi: Api;
let rollup: (event: ScheduledEvent, context: ReturnType<typeof lambdaContext>) => Promise<unknown>;
const admin = { authorization: `Bearer ${KEYS.admin}` };

const customerCall = (routeKey: string, id: string, body?: unknown) =>
  customersApi(
    httpEvent(routeKey, {
      headers: admin,
      pathParameters: { id },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    }),
  );
const listByCustomer = (customerId: string) =>
  pipeline.read(
    httpEvent("GET /v1/responses", {
      headers: admin,
      query: { from: "2026-01-01", to: "2026-12-31", customerId, limit: "100" },
    }),
  );
const figures = () => metricsAndDrivers(metricsApi, WINDOW);
const scan = () => pipeline.scanTable();

/** Response ids are the client's keys and stay, so they do not name the customer here. */
const submission = (index: number, customerId: string) => ({
  id: `${customerId === CUSTOMER ? "e" : "k"}-${index}`,
  type: "nps",
  score: index % 11,
  comment: customerId === CUSTOMER ? `Delivery number ${index} was late` : "Delivery was slow",
  survey: "post-purchase",
  submittedAt: `${DAYS[index % DAYS.length]}T1${index % 10}:00:00Z`,
  customer:
    customerId === CUSTOMER
      ? { id: customerId, email: "jo@erase.example", name: "Jo Erasable" }
      : { id: customerId, email: "kim@keep.example", name: "Kim Kept" },
});

beforeAll(async () => {
  pipeline = await startPipeline();
  customersApi = await pipeline.api("customers-api");
  metricsApi = await pipeline.api("metrics-api");
  rollup = (await import("../../lambdas/handlers/metrics-rollup")).handler as unknown as typeof rollup;

  const put = await customerCall("PUT /v1/customers/{id}", CUSTOMER, {
    email: "jo@erase.example",
    name: "Jo Erasable",
    segment: "smb",
    annualValue: 900,
    currency: "EUR",
  });
  expect(put.statusCode).toBe(201);
  for (let start = 0; start < RESPONSES; start += 100) {
    const responses = [];
    for (let index = start; index < Math.min(RESPONSES, start + 100); index++)
      responses.push(submission(index, CUSTOMER));
    expect((await pipeline.submitBatch({ responses })).body.accepted).toBe(responses.length);
  }
  await pipeline.submit(submission(0, OTHER));
  await drain(pipeline);
  const recomputed = await metricsApi(
    httpEvent("POST /v1/metrics/recompute", { headers: admin, body: JSON.stringify(WINDOW) }),
  );
  expect(recomputed.body.responses).toBe(RESPONSES + 1);
}, 120_000);
afterAll(async () => {
  await pipeline.stop();
});

describe("DELETE /v1/customers/{id}", () => {
  let before: Awaited<ReturnType<typeof figures>>;

  it("moves every response, page after page, under one pseudonym and forgets the id", async () => {
    before = await figures();
    const delivery = before.drivers.drivers.find((driver: { theme: string }) => driver.theme === "delivery");
    expect(delivery).toMatchObject({ mentions: RESPONSES + 1, customers: 2 });

    const erased = await customerCall("DELETE /v1/customers/{id}", CUSTOMER);
    expect(erased.statusCode).toBe(200);
    expect(erased.body).toEqual({ id: CUSTOMER, erased: { profile: true, events: 0, responses: RESPONSES, cases: 0 } });

    expect((await customerCall("GET /v1/customers/{id}", CUSTOMER)).statusCode).toBe(404);
    expect((await listByCustomer(CUSTOMER)).body).toEqual({ items: [], nextCursor: null });
    expect((await listByCustomer(OTHER)).body.items).toHaveLength(1);

    const stored = (await scan()).filter((item) => item.sk === "RESPONSE" && item.id.startsWith("e-"));
    expect(stored).toHaveLength(RESPONSES);
    const pseudonyms = new Set(stored.map((item) => item.customer.id));
    expect(pseudonyms.size).toBe(1);
    const [pseudonym] = pseudonyms as Set<string>;
    expect(pseudonym).toMatch(/^erased-[0-9A-Z]{26}$/);
    for (const item of stored) {
      expect(item).toMatchObject({ comment: null, gsi2pk: `CUSTOMER#${pseudonym}`, customer: { segment: "smb" } });
      expect(typeof item.score).toBe("number");
      expect(item.customer).not.toHaveProperty("email");
      expect(item.customer).not.toHaveProperty("name");
    }
    // The pseudonym is not given out: the answer and the API know only the id that was erased.
    expect(JSON.stringify(erased.body)).not.toContain(pseudonym);
  });

  it("keeps the metrics exactly as they were, through the rollup of the marked days and a recompute", async () => {
    await rollup({} as ScheduledEvent, lambdaContext("metrics-rollup"));
    expect(await figures()).toEqual(before);
    await metricsApi(httpEvent("POST /v1/metrics/recompute", { headers: admin, body: JSON.stringify(WINDOW) }));
    expect(await figures()).toEqual(before);
  });

  it("leaves nothing in the table that names the customer, their email, name or comments", async () => {
    const items = await scan();
    const naming = (text: string) =>
      items.filter((item) => JSON.stringify(item).includes(text)).map((item) => `${item.pk} ${item.sk}`);
    for (const personal of [CUSTOMER, "jo@erase.example", "Jo Erasable", "was late"])
      expect(naming(personal), personal).toEqual([]);
    expect(naming(OTHER).length).toBeGreaterThan(0);
  });

  it("keeps no alert mark naming the customer when an alert went out while the erasure moved its case", async () => {
    const { caseStore } = await import("../../lambdas/handlers/composition-root");
    const store = caseStore();
    const erasedCase = `retention-${CUSTOMER}-2026-11-04T10:00:00.000Z`;
    await store.recordAlertDelivered(erasedCase, "opened#slack", new Date());
    expect(await store.alertDelivered(erasedCase, "opened#slack")).toBe(false);

    const kept = openCase(
      record({
        id: "k-alerted",
        customer: { ...(record({}).customer as ResponseRecord["customer"] & object), id: OTHER },
      }),
      "detractor",
      config,
      new Date(),
    );
    await store.createIfAbsent(kept);
    await store.recordAlertDelivered(kept.id, "opened#slack", new Date());
    expect(await store.alertDelivered(kept.id, "opened#slack")).toBe(true);
    expect((await scan()).filter((item) => JSON.stringify(item).includes(CUSTOMER))).toEqual([]);
  });

  it("answers a second DELETE with 404: nothing is held for the id any more", async () => {
    const again = await customerCall("DELETE /v1/customers/{id}", CUSTOMER);
    expect(again.statusCode).toBe(404);
    expect(again.body.error.code).toBe("not_found");
    expect((await customerCall("DELETE /v1/customers/{id}", "never-seen")).statusCode).toBe(404);
  });

  it("does not bring the customer back when an old submission is delivered again", async () => {
    expect((await pipeline.submit(submission(7, CUSTOMER))).statusCode).toBe(202);
    await drain(pipeline);
    expect((await customerCall("GET /v1/customers/{id}", CUSTOMER)).statusCode).toBe(404);
    expect((await listByCustomer(CUSTOMER)).body.items).toEqual([]);
  });

  it("lets the id start afresh: a later PUT creates a new profile with none of the erased history", async () => {
    const put = await customerCall("PUT /v1/customers/{id}", CUSTOMER, { segment: "enterprise" });
    expect(put.statusCode).toBe(201);
    const view = await customerCall("GET /v1/customers/{id}", CUSTOMER);
    expect(view.body).toMatchObject({ profile: { id: CUSTOMER, segment: "enterprise" }, responses: [], cases: [] });
  });

  it("published Response Recorded without the customer's email or name, only the comment", () => {
    const published = pipeline.bus.events.filter(
      (event) =>
        event["detail-type"] === DetailType.ResponseRecorded && (event.detail as { id: string }).id.startsWith("e-"),
    );
    // At least once each: a redelivered message publishes its stored record again.
    expect(new Set(published.map((event) => (event.detail as { id: string }).id)).size).toBe(RESPONSES);
    for (const event of published) {
      expect(event.detail).toMatchObject({ schemaVersion: 2, customer: { id: CUSTOMER } });
      expect(JSON.stringify(event)).not.toMatch(/jo@erase\.example|Jo Erasable/);
    }
    expect(published.map((event) => (event.detail as { comment: string }).comment)).toContain(
      "Delivery number 0 was late",
    );
  });
});
