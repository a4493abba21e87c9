import { Rule } from "aws-cdk-lib/aws-events";
import { SqsQueue } from "aws-cdk-lib/aws-events-targets";
import { Queue } from "aws-cdk-lib/aws-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../support/eventually";
import { type Json, localApi } from "../support/local-api";

const local = localApi("outer-loop");
const { call, invokeSchedule, receive } = local;

const DAY_MS = 86_400_000;
const dayFromToday = (days: number) => new Date(Date.now() + days * DAY_MS).toISOString().slice(0, 10);
const TODAY = dayFromToday(0);
/** Both plans started two weeks ago: 15 days measured since, against the 28 days before (the shortest baseline). */
const STARTS_AT = dayFromToday(-14);
const LATE_DELIVERY = "The delivery was late again and nobody told me";

interface Answer {
  id: string;
  survey: string;
  score: number;
  /** Days from today. */
  day: number;
  comment?: string;
}
/** `count` answers with `score`, spread over the days `from`..`to` (days from today). */
function answers(
  prefix: string,
  survey: string,
  count: number,
  score: number,
  from: number,
  to: number,
  comment?: string,
) {
  return Array.from(
    { length: count },
    (_, i): Answer => ({
      id: `${prefix}-${i}`,
      survey,
      score,
      day: from + (i % (to - from + 1)),
      ...(comment ? { comment } : {}),
    }),
  );
}
// The planted effect: before the plan, 16 of 40 post-purchase answers are detractors about late deliveries; since, 2 of 40.
const POST_PURCHASE = [
  ...answers("pp-before-late", "post-purchase", 16, 2, -40, -16, LATE_DELIVERY),
  ...answers("pp-before-fine", "post-purchase", 24, 10, -40, -16),
  ...answers("pp-since-late", "post-purchase", 2, 2, -14, -1, LATE_DELIVERY),
  ...answers("pp-since-fine", "post-purchase", 38, 10, -14, -1),
];
// No effect: the relationship survey answers alike before and since (10 detractors, 10 passives, 20 promoters of 40).
const RELATIONSHIP = ["before", "since"].flatMap((when) => {
  const [from, to] = when === "before" ? [-40, -16] : [-14, -1];
  return [
    ...answers(`rel-${when}-d`, "relationship", 10, 4, from, to),
    ...answers(`rel-${when}-p`, "relationship", 10, 8, from, to),
    ...answers(`rel-${when}-pr`, "relationship", 20, 9, from, to),
  ];
});
const CUSTOMER_ANSWERS = [...POST_PURCHASE, ...RELATIONSHIP];

/**
 * Employee answers this week: support 4 promoters, 2 passives and 1 detractor (eNPS (4 − 1) / 7 = +42.86), finance 3
 * detractors and legal 2 promoters, too few to show alone. Pooled, finance and legal make 5: (2 − 3) / 5 = −20.
 */
const EMPLOYEE_ANSWERS = [
  ...[10, 9, 9, 10, 7, 8, 3].map((score, i) => ({
    id: `emp-support-${i}`,
    score,
    team: "support",
    location: "Lisbon",
  })),
  ...[2, 4, 6].map((score, i) => ({ id: `emp-finance-${i}`, score, team: "finance", location: "Lisbon" })),
  ...[9, 10].map((score, i) => ({ id: `emp-legal-${i}`, score, team: "legal", location: "Porto" })),
].map(({ id, score, team, location }) => ({
  id,
  type: "enps",
  score,
  survey: "pulse",
  employee: { team, location },
  comment: score <= 6 ? "My manager never listens" : "Good team",
  submittedAt: `${dayFromToday(-1)}T09:00:00Z`,
}));
const RECORDED = CUSTOMER_ANSWERS.length + EMPLOYEE_ANSWERS.length;

const submission = (answer: Answer) => ({
  id: answer.id,
  type: "nps",
  score: answer.score,
  survey: answer.survey,
  customer: { id: `cust-${answer.id}` },
  submittedAt: `${dayFromToday(answer.day)}T12:00:00Z`,
  ...(answer.comment ? { comment: answer.comment } : {}),
});

async function recordedCount() {
  let count = 0;
  let cursor: string | null = null;
  do {
    const page: Json = await call(
      "GET",
      `/v1/responses?from=${dayFromToday(-45)}&limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
    );
    count += page.body.items.length;
    cursor = page.body.nextCursor;
  } while (cursor);
  return count;
}

const planted = {
  title: "Fix late deliveries",
  owner: "logistics",
  theme: "delivery",
  filter: { survey: "post-purchase" },
  metric: "nps",
  target: { value: 60, by: dayFromToday(14) },
  startsAt: STARTS_AT,
  status: "active",
};
const noEffect = {
  title: "Quarterly relationship check-ins",
  owner: "cx-team",
  filter: { survey: "relationship" },
  metric: "nps",
  target: { value: 50, by: dayFromToday(7) },
  startsAt: STARTS_AT,
  status: "active",
};

beforeAll(async () => {
  await local.start({
    extendStack: (stack) => {
      new Rule(stack, "E2ePlanOffTrack", {
        eventBus: stack.data.bus,
        eventPattern: { source: ["cxloop"], detailType: ["Action Plan Off Track"] },
        targets: [new SqsQueue(new Queue(stack, "E2ePlanOffTrackWatcher"))],
      });
    },
  });
  const bodies = [...CUSTOMER_ANSWERS.map(submission), ...EMPLOYEE_ANSWERS];
  for (let i = 0; i < bodies.length; i += 100) {
    const batch = await call("POST", "/v1/responses/batch", { responses: bodies.slice(i, i + 100) });
    expect(batch.body.rejected).toBe(0);
  }
  await eventually(async () => ((await recordedCount()) === RECORDED ? true : undefined), 90_000);
  await invokeSchedule("MetricsRollupSchedule");
}, 150_000);
afterAll(async () => {
  await local.stop();
  local.removeData();
});

describe("action plans", () => {
  let plantedId: string;
  let noEffectId: string;

  it("reports a planted effect as significant, with the theme's detractors falling", async () => {
    const created = await call("POST", "/v1/action-plans", planted);
    expect(created.status).toBe(201);
    plantedId = created.body.id;
    const { effect } = created.body;
    // Before: (24 promoters − 16 detractors) / 40 = +20. Since: (38 − 2) / 40 = +90.
    expect(effect.baseline).toMatchObject({ from: dayFromToday(-42), to: dayFromToday(-15), score: 20, responses: 40 });
    expect(effect.since).toMatchObject({ from: STARTS_AT, to: TODAY, score: 90, responses: 40 });
    expect(effect.change).toMatchObject({ points: 70, significant: true, insufficient: false });
    expect(effect.change.pValue).toBeLessThan(0.001);
    expect(effect.change.ci95.low).toBeGreaterThan(0);
    // 16 of 40 answers were detractors mentioning delivery, then 2 of 40.
    expect(effect.theme).toMatchObject({
      theme: "delivery",
      baseline: { negative: 16, responses: 40, percent: 40 },
      since: { negative: 2, responses: 40, percent: 5 },
      change: { points: -35, significant: true },
    });
    // Target 60 from a baseline of 20, reached at 90: (90 − 20) / (60 − 20) = 1.75 of the way.
    expect(effect.target).toMatchObject({ value: 60, progress: 1.75, track: "achieved" });
  });

  it("reports a plan with no effect as not significant, and publishes Action Plan Off Track once", async () => {
    const created = await call("POST", "/v1/action-plans", noEffect);
    expect(created.status).toBe(201);
    noEffectId = created.body.id;
    const { effect } = created.body;
    // (20 − 10) / 40 = +25 before and since.
    expect(effect.baseline).toMatchObject({ score: 25, responses: 40 });
    expect(effect.since).toMatchObject({ score: 25, responses: 40 });
    expect(effect.change).toMatchObject({ points: 0, significant: false });
    expect(effect.change.pValue).toBeGreaterThan(0.05);
    expect(effect.theme).toBeNull();
    // 15 of the 22 days from start to target are gone, and the score has not moved toward 50.
    expect(effect.target).toMatchObject({ progress: 0, elapsed: 0.68, track: "off-track" });

    await invokeSchedule("ActionPlansReviewSchedule");
    const events = await eventually(async () => {
      const received = await receive("E2ePlanOffTrackWatcher");
      return received.length ? received : undefined;
    });
    expect(events.map((event: Json) => event.detail.plan.id)).toEqual([noEffectId]);
    expect(events[0].detail).toMatchObject({
      schemaVersion: 1,
      plan: { title: noEffect.title, owner: "cx-team", metric: "nps", target: noEffect.target },
      effect: { baseline: 25, current: 25, progress: 0, elapsed: 0.68 },
      since: TODAY,
    });
    // A second review (a rerun, a retry) announces nothing new.
    await invokeSchedule("ActionPlansReviewSchedule");
    expect(await receive("E2ePlanOffTrackWatcher")).toEqual([]);
    const { body: plan } = await call("GET", `/v1/action-plans/${noEffectId}`);
    expect(plan.history.map((entry: Json) => entry.change)).toContain("off track: Action Plan Off Track published");
  });

  it("lists the open plans per owner with their effect in the weekly digest", async () => {
    await invokeSchedule("MetricsDigestSchedule");
    const { body } = await call("GET", "/_local/outbox");
    const email = body.items.find((item: Json) => item.kind === "email" && item.subject?.includes("weekly digest"));
    expect(email.text).toContain(
      `cx-team: ${noEffect.title}: NPS 25 → 25 (0, within noise); target 50 by ${noEffect.target.by}, off track`,
    );
    expect(email.text).toContain(`logistics: ${planted.title}: NPS 20 → 90 (+70, significant)`);
    expect(email.payload.html).toContain(planted.title);
  });

  it("lists plans by owner and sums them up per owner for the huddle", async () => {
    const mine = await call("GET", "/v1/action-plans?owner=logistics");
    expect(mine.body.items.map((plan: Json) => plan.id)).toEqual([plantedId]);
    const summary = await call("GET", "/v1/action-plans/summary");
    expect(summary.body.owners).toEqual([
      expect.objectContaining({ owner: "cx-team", open: 1, "off-track": 1, achieved: 0 }),
      expect.objectContaining({ owner: "logistics", open: 1, achieved: 1, "off-track": 0 }),
    ]);
  });

  it("keeps every change in the history, refuses impossible moves, and links cases with their root cause", async () => {
    const note = await call("PATCH", `/v1/action-plans/${plantedId}`, { note: "Carrier switched on day one" });
    expect(note.status).toBe(200);
    expect(note.body.notes).toEqual([expect.objectContaining({ text: "Carrier switched on day one" })]);
    const done = await call("PATCH", `/v1/action-plans/${plantedId}`, { status: "done" });
    expect(done.body.status).toBe("done");
    const reopened = await call("PATCH", `/v1/action-plans/${plantedId}`, { status: "active" });
    expect(reopened.status).toBe(409);
    expect(reopened.body.error.details[0].path).toBe("status");

    const caseId = "case-pp-since-late-0";
    await eventually(async () => ((await call("GET", `/v1/cases/${caseId}`)).status === 200 ? true : undefined));
    expect((await call("PATCH", `/v1/cases/${caseId}`, { rootCause: "carrier delay" })).status).toBe(200);
    const linked = await call("POST", `/v1/action-plans/${plantedId}/cases`, { caseId });
    expect(linked.body.cases).toEqual([caseId]);
    expect(linked.body.rootCauses).toEqual([{ rootCause: "carrier delay", cases: 1 }]);
    // Linking again changes nothing.
    const again = await call("POST", `/v1/action-plans/${plantedId}/cases`, { caseId });
    expect(again.body.version).toBe(linked.body.version);
    expect(again.body.history.map((entry: Json) => entry.change)).toEqual([
      "created (active), owned by logistics",
      "status active → done",
      `case ${caseId} linked`,
    ]);
  });

  it("answers bad plans with 422 naming the field, unknown ones with 404", async () => {
    const noMetric = await call("POST", "/v1/action-plans", { ...planted, metric: undefined });
    expect(noMetric.status).toBe(422);
    expect(noMetric.body.error.details.map((detail: Json) => detail.path)).toContain("metric");
    const backwards = await call("POST", "/v1/action-plans", { ...planted, target: { value: 60, by: STARTS_AT } });
    expect(backwards.status).toBe(422);
    expect(backwards.body.error.details.map((detail: Json) => detail.path)).toContain("target.by");
    const moved = await call("PATCH", `/v1/action-plans/${noEffectId}`, { target: { value: 50, by: STARTS_AT } });
    expect(moved.status).toBe(422);
    expect(moved.body.error.details[0].path).toBe("target.by");
    const nothingToFix = await call("POST", "/v1/action-plans", { ...noEffect, filter: undefined });
    expect(nothingToFix.body.error.details.map((detail: Json) => detail.path)).toContain("theme");
    expect((await call("GET", "/v1/action-plans/ap_01ARZ3NDEKTSV4RRFFQ69G5FAV")).status).toBe(404);
    expect((await call("GET", "/v1/action-plans/nope")).status).toBe(422);
    expect((await call("GET", `/v1/action-plans?owner=${"x".repeat(300)}`)).status).toBe(422);
  });
});

describe("employee feedback (eNPS)", () => {
  const week = { from: dayFromToday(-6), to: TODAY };
  const enps = async (query: Record<string, string> = {}) =>
    (await call("GET", `/v1/enps?${new URLSearchParams({ ...week, ...query })}`)).body;

  it("counts employee answers in their own view, pooling groups under five so none can be worked out", async () => {
    const overall = await enps();
    // 6 promoters, 2 passives, 4 detractors of 12: (6 − 4) / 12 = +16.67.
    expect(overall.enps).toMatchObject({ shown: true, responses: 12, promoters: 6, detractors: 4, score: 16.67 });
    const byTeam = await enps({ groupBy: "team" });
    expect(byTeam.groups).toEqual([
      { key: "support", enps: expect.objectContaining({ shown: true, responses: 7, score: 42.86 }) },
      {
        key: "(smaller groups)",
        pooled: ["finance", "legal"],
        enps: expect.objectContaining({ shown: true, responses: 5, score: -20 }),
      },
    ]);
    // Porto has only legal's 2 answers; pooled with the smallest shown location, nothing of Porto alone is visible.
    const byLocation = await enps({ groupBy: "location" });
    expect(byLocation.groups).toEqual([
      expect.objectContaining({ key: "(smaller groups)", pooled: ["Porto", "Lisbon"] }),
    ]);
    const oneTeam = await enps({ team: "finance" });
    expect(oneTeam.enps).toEqual(expect.objectContaining({ shown: false, responses: null, score: null }));
    expect(oneTeam.enps.reason).toMatch(/fewer than 5 answers/);
  });

  it("never links an employee answer to a customer, a case, the customer metrics or its group", async () => {
    const linked = await call("POST", "/v1/responses", { ...EMPLOYEE_ANSWERS[0], id: "emp-x", customer: { id: "c1" } });
    expect(linked.status).toBe(422);
    expect(linked.body.error.details.map((detail: Json) => detail.path)).toContain("customer");
    const misplaced = await call("POST", "/v1/responses", {
      ...submission(POST_PURCHASE[0] as Answer),
      id: "x",
      employee: { team: "a" },
    });
    expect(misplaced.body.error.details.map((detail: Json) => detail.path)).toContain("employee");

    const { body: stored } = await call("GET", "/v1/responses/emp-finance-0");
    expect(stored).toMatchObject({ type: "enps", score: 2, category: "detractor", customer: null });
    expect(stored.employee).toBeUndefined();
    // The customer detractors of the same batch opened their cases; the employee detractors opened none.
    expect((await call("GET", "/v1/cases/case-pp-since-late-1")).status).toBe(200);
    expect((await call("GET", "/v1/cases/case-emp-finance-0")).status).toBe(404);
    const customerNps = await call("GET", `/v1/metrics?from=${dayFromToday(-6)}&to=${TODAY}`);
    const customerAnswersThisWeek = CUSTOMER_ANSWERS.filter((answer) => answer.day >= -6).length;
    expect(customerNps.body.nps.responses).toBe(customerAnswersThisWeek);
  });
});
