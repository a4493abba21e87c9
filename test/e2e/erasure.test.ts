import { Rule } from "aws-cdk-lib/aws-events";
import { SqsQueue } from "aws-cdk-lib/aws-events-targets";
import { Queue } from "aws-cdk-lib/aws-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../support/eventually";
import { type Json, localApi } from "../support/local-api";

/**
 * Erasure end to end, in the local runtime: a customer with a profile, an operational event, responses with
 * comment, email and name, a detractor's follow-up case with a note, and a retention case from their churn
 * risk. After DELETE the id is unknown everywhere, the records stay under a pseudonym with their scores, the
 * metrics do not move, and no event that was published carried the email or name.
 */
const local = localApi("erasure");
const { call } = local;
const CUSTOMER = "cust-jo-4242";
const EMAIL = "jo.buyer@erasure.example";
const NAME = "Jo Buyer";
const COMMENT = "Support has ignored me for weeks";
const NOTE = "Called Jo on 555-0100, refund promised";
/** Three weeks out: a renewal this close, a detractor and a support ticket put the customer at risk. */
const RENEWAL = new Date(Date.now() + 21 * 86_400_000).toISOString().slice(0, 10);
const PSEUDONYM = /^erased-[0-9A-HJKMNP-TV-Z]{26}$/;
/** Each function's first invocation loads its code, which takes long on a busy machine. */
const SETTLE_MS = 60_000;
const events: Json[] = [];

beforeAll(async () => {
  await local.start({
    extendStack: (stack) => {
      new Rule(stack, "E2eEveryEvent", {
        eventBus: stack.data.bus,
        eventPattern: { source: ["cxloop"] },
        targets: [new SqsQueue(new Queue(stack, "E2eErasureWatcher"))],
      });
    },
  });
});
/** Takes every event the watcher holds so far. */
async function drainEvents() {
  for (;;) {
    const taken = await local.receive("E2eErasureWatcher");
    if (taken.length === 0) return;
    events.push(...taken);
  }
}
afterAll(async () => {
  await local.stop();
  local.removeData();
});

const today = new Date().toISOString().slice(0, 10);
const figures = async () => ({
  metrics: (await call("GET", `/v1/metrics?from=${today}&to=${today}&groupBy=segment`)).body,
  drivers: (await call("GET", `/v1/drivers?from=${today}&to=${today}`)).body,
});

describe("DELETE /v1/customers/{id}", () => {
  let before: Json;
  let retentionId: string;

  it("starts from a customer with responses, events, a worked follow-up case and a retention case", async () => {
    expect(
      (
        await call("PUT", `/v1/customers/${CUSTOMER}`, {
          email: EMAIL,
          name: NAME,
          segment: "enterprise",
          annualValue: 150000,
          currency: "EUR",
          renewalDate: RENEWAL,
        })
      ).status,
    ).toBe(201);
    const ticket = { id: "t-9", type: "support-ticket", time: new Date().toISOString() };
    expect((await call("POST", `/v1/customers/${CUSTOMER}/events`, ticket)).status).toBe(201);
    const first = await call("POST", "/v1/responses", {
      id: "er-1",
      type: "nps",
      score: 8,
      comment: "Delivery was fine",
      customer: { id: CUSTOMER },
    });
    const second = await call("POST", "/v1/responses", {
      id: "er-2",
      type: "nps",
      score: 3,
      comment: COMMENT,
      customer: { id: CUSTOMER, email: EMAIL, name: NAME },
    });
    expect([first.status, second.status]).toEqual([202, 202]);
    const opened = await eventually(async () => {
      const found = await call("GET", "/v1/cases/case-er-2");
      return found.status === 200 ? found.body : undefined;
    }, SETTLE_MS);
    const patched = await call("PATCH", "/v1/cases/case-er-2", {
      status: "contacted",
      note: NOTE,
    });
    expect(patched.status).toBe(200);
    expect(opened.customerId).toBe(CUSTOMER);

    const retention = await eventually(async () => {
      const { body } = await call("GET", "/v1/cases?limit=100");
      return body.items.find((item: Json) => item.rule === "churn-risk" && item.customerId === CUSTOMER);
    }, SETTLE_MS);
    retentionId = retention.id;
    expect(retentionId).toContain(CUSTOMER);

    // Alerts show the customer's name, read from the table: the case event carried none.
    const alert = await eventually(async () => {
      const { body } = await call("GET", "/_local/outbox");
      return body.items.find((item: Json) => item.kind === "email" && item.text.includes("NPS 3/10"));
    }, SETTLE_MS);
    expect(alert.text).toContain(`Customer: ${NAME} · enterprise · value 150,000 EUR`);

    await local.invokeSchedule("MetricsRollupSchedule");
    before = await figures();
    expect(before.metrics.nps.responses).toBe(2);
  }, 240_000);

  it("answers what it erased, then 404 for the id everywhere", async () => {
    const erased = await call("DELETE", `/v1/customers/${CUSTOMER}`);
    expect(erased).toEqual({
      status: 200,
      body: { id: CUSTOMER, erased: { profile: true, events: 1, responses: 2, cases: 2 } },
    });
    expect((await call("GET", `/v1/customers/${CUSTOMER}`)).status).toBe(404);
    expect((await call("GET", `/v1/responses?customerId=${CUSTOMER}`)).body).toEqual({ items: [], nextCursor: null });
    expect((await call("GET", `/v1/cases/${retentionId}`)).status).toBe(404);
    const { body: cases } = await call("GET", "/v1/cases?limit=100");
    expect(JSON.stringify(cases)).not.toContain(CUSTOMER);
    expect((await call("DELETE", `/v1/customers/${CUSTOMER}`)).status).toBe(404);
  }, 120_000);

  it("keeps the responses, with their scores, under one pseudonym and without comment, email or name", async () => {
    const first = (await call("GET", "/v1/responses/er-1")).body;
    const second = (await call("GET", "/v1/responses/er-2")).body;
    expect(second).toMatchObject({
      score: 3,
      category: "detractor",
      comment: null,
      customer: { segment: "enterprise" },
    });
    expect(first).toMatchObject({ score: 8, category: "passive", comment: null });
    const pseudonym = second.customer.id;
    expect(pseudonym).toMatch(PSEUDONYM);
    expect(first.customer.id).toBe(pseudonym);
    for (const record of [first, second]) {
      expect(record.customer).not.toHaveProperty("email");
      expect(record.customer).not.toHaveProperty("name");
    }

    const followUp = (await call("GET", "/v1/cases/case-er-2")).body;
    expect(followUp).toMatchObject({
      customerId: pseudonym,
      status: "contacted",
      response: { score: 3, comment: null, customer: { id: pseudonym } },
      notes: [{ text: "[erased]" }],
    });
    expect(followUp.history.at(-1)).toMatchObject({ change: "customer erased: personal data removed" });
    const renamed = retentionId.replace(CUSTOMER, pseudonym);
    expect((await call("GET", `/v1/cases/${renamed}`)).body).toMatchObject({
      customerId: pseudonym,
      rule: "churn-risk",
    });
  });

  it("leaves the metrics as they were, after the rollup of the marked days and after a recompute", async () => {
    await local.invokeSchedule("MetricsRollupSchedule");
    expect(await figures()).toEqual(before);
    expect((await call("POST", "/v1/metrics/recompute", { from: today, to: today })).status).toBe(200);
    expect(await figures()).toEqual(before);
  }, 120_000);

  it("leaves nothing in the table that names the customer or holds their email, name, comment or note", async () => {
    const items = await local.scan();
    for (const personal of [CUSTOMER, EMAIL, NAME, COMMENT, NOTE, "555-0100"])
      expect(
        items.filter((item) => JSON.stringify(item).includes(personal)).map((item) => `${item.pk} ${item.sk}`),
        personal,
      ).toEqual([]);
  });

  it("published no event with the customer's email or name; Response Recorded kept the comment", async () => {
    await drainEvents();
    const types = new Set(events.map((event) => event["detail-type"]));
    for (const type of ["Response Recorded", "Case Opened", "Case Updated", "Customer At Risk"])
      expect(types, type).toContain(type);
    for (const event of events) {
      expect(JSON.stringify(event), event["detail-type"]).not.toContain(EMAIL);
      expect(JSON.stringify(event), event["detail-type"]).not.toContain(NAME);
    }
    const recorded = events.find((event) => event["detail-type"] === "Response Recorded" && event.detail.id === "er-2");
    expect(recorded.detail).toMatchObject({ schemaVersion: 2, comment: COMMENT, customer: { id: CUSTOMER } });
  });
});

describe("merging duplicate profiles", () => {
  const [SURVIVOR, ABSORBED] = ["merge-sam-1", "merge-sam-2"];

  it("lists two profiles whose emails differ in case, merges one into the other once, and says where it went", async () => {
    expect(
      (await call("PUT", `/v1/customers/${SURVIVOR}`, { email: "Sam@Merge.example", segment: "smb" })).status,
    ).toBe(201);
    expect((await call("PUT", `/v1/customers/${ABSORBED}`, { email: "sam@merge.example" })).status).toBe(201);
    const ticket = { id: "mt-1", type: "support-ticket", time: new Date().toISOString() };
    expect((await call("POST", `/v1/customers/${ABSORBED}/events`, ticket)).status).toBe(201);
    expect(
      (await call("POST", "/v1/responses", { id: "mg-1", type: "nps", score: 9, customer: { id: ABSORBED } })).status,
    ).toBe(202);
    await eventually(async () => (await call("GET", "/v1/responses/mg-1")).status === 200 || undefined, SETTLE_MS);

    const groups = (await call("GET", "/v1/customers/duplicates")).body.items;
    expect(
      groups.map((group: Json) => ({ reason: group.reason, ids: group.customers.map((c: Json) => c.id) })),
    ).toContainEqual({ reason: "email", ids: [SURVIVOR, ABSORBED] });

    const merged = await call("POST", `/v1/customers/${SURVIVOR}/merge`, { from: ABSORBED });
    expect(merged.status).toBe(200);
    expect(merged.body).toMatchObject({
      id: SURVIVOR,
      from: ABSORBED,
      moved: { responses: 1, cases: 0, events: 1 },
      profile: { rollups: { responseCount: 1, latestScores: { nps: { score: 9 } } } },
    });
    expect(await call("POST", `/v1/customers/${SURVIVOR}/merge`, { from: ABSORBED })).toEqual(merged);

    const survivor = (await call("GET", `/v1/customers/${SURVIVOR}`)).body;
    expect(survivor.responses.map((item: Json) => [item.id, item.customer.id])).toEqual([["mg-1", SURVIVOR]]);
    expect(survivor.events.map((item: Json) => item.id)).toEqual(["mt-1"]);
    const pointer = (await call("GET", `/v1/customers/${ABSORBED}`)).body.profile;
    expect(pointer).toMatchObject({ mergedInto: SURVIVOR, history: [{ change: `merged into customer ${SURVIVOR}` }] });
    const after = (await call("GET", "/v1/customers/duplicates")).body.items;
    expect(JSON.stringify(after)).not.toContain(SURVIVOR);
    expect((await call("POST", `/v1/customers/${SURVIVOR}/merge`, { from: SURVIVOR })).status).toBe(422);
  }, 120_000);
});
