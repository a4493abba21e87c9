import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../support/eventually";
import { type Json, localApi } from "../support/local-api";

const local = localApi("retention");
const { call, scan } = local;
const DAY_MS = 86_400_000;
const daysAgo = (days: number) => new Date(Date.now() - days * DAY_MS).toISOString();
const OLD_COMMENT = "Terrible service, the courier lost my parcel twice";
const RECENT_COMMENT = "Refund took three weeks";
const LATE_COMMENT = "Awful experience, the parcel arrived broken and late";
const found = async (path: string) => {
  const answer = await call("GET", path);
  return answer.status === 200 ? answer.body : undefined;
};
const item = (items: Json[], pk: string) => items.find((candidate) => candidate.pk === pk);
const retentionSchedule = async (): Promise<Json> => {
  const { body } = await call("GET", "/_local/schedules");
  return body.items.find((schedule: Json) => schedule.name.startsWith("PrivacyCommentRetentionSchedule"));
};

beforeAll(async () => {
  // Comments are kept forever at first: two detractors open cases with the comment in their snapshot.
  await local.start();
  expect(await retentionSchedule()).toBeUndefined();
  await call("POST", "/v1/responses", {
    id: "ret-old",
    type: "nps",
    score: 2,
    comment: OLD_COMMENT,
    submittedAt: daysAgo(40),
    customer: { id: "ret-customer" },
  });
  await call("POST", "/v1/responses", {
    id: "ret-recent",
    type: "nps",
    score: 3,
    comment: RECENT_COMMENT,
    submittedAt: daysAgo(2),
    customer: { id: "ret-customer" },
  });
  await eventually(() => found("/v1/cases/case-ret-old"));
  await eventually(() => found("/v1/cases/case-ret-recent"));
  await local.stop();
  // Then the stage turns retention on.
  await local.start({
    adjustConfig: (config) => ({ ...config, commentRetentionDays: 30, eventArchiveRetentionDays: 30 }),
  });
}, 120_000);
afterAll(async () => {
  await local.stop();
  local.removeData();
});

describe("comment retention", () => {
  // The first test of the file also waits for the functions' first start, which is slow on a busy machine.
  it("hides a comment past retention on every read before the sweep has run", async () => {
    expect(item(await scan(), "RESPONSE#ret-old").comment).toBe(OLD_COMMENT);
    expect(await found("/v1/responses/ret-old")).toMatchObject({ score: 2, category: "detractor", comment: null });
    expect((await found("/v1/cases/case-ret-old")).response.comment).toBeNull();
    const view = await found("/v1/customers/ret-customer");
    const comments = Object.fromEntries(view.responses.map((r: Json) => [r.id, r.comment]));
    expect(comments).toEqual({ "ret-old": null, "ret-recent": RECENT_COMMENT });
    expect(JSON.stringify(view)).not.toContain(OLD_COMMENT);
  }, 90_000);

  it("never stores the comment of a response that arrives already past retention, but keeps its sentiment and themes", async () => {
    await call("POST", "/v1/responses", {
      id: "ret-late",
      type: "csat",
      score: 1,
      comment: LATE_COMMENT,
      submittedAt: daysAgo(60),
    });
    const record = await eventually(() => found("/v1/responses/ret-late"));
    expect(record).toMatchObject({ comment: null, category: "dissatisfied", sentiment: { label: "negative" } });
    expect(record.themes.length).toBeGreaterThan(0);
    expect(JSON.stringify(await scan())).not.toContain(LATE_COMMENT);
  });

  it("removes old comments from responses and cases when the daily sweep runs, keeping recent ones and all scores", async () => {
    const schedule = await retentionSchedule();
    expect(schedule.expression).toBe("cron(30 3 * * ? *)");
    expect((await call("POST", `/_local/schedules/${schedule.name}/invoke`)).body.status).toBe("done");

    const items = await scan();
    expect(JSON.stringify(items)).not.toContain(OLD_COMMENT);
    const old = item(items, "RESPONSE#ret-old");
    expect(old).toMatchObject({ comment: null, score: 2, category: "detractor", sentiment: { label: "negative" } });
    expect(old.themes.length).toBeGreaterThan(0);
    expect(item(items, "CASE#case-ret-old").response).toMatchObject({ comment: null, score: 2 });
    expect(item(items, "RESPONSE#ret-recent")).toMatchObject({ comment: RECENT_COMMENT, score: 3 });
    expect(item(items, "CASE#case-ret-recent").response.comment).toBe(RECENT_COMMENT);
    expect(item(items, "RETENTION#COMMENTS").watermark).toMatch(/^\d{4}-/);
  });

  it("changes no response or case when it runs again", async () => {
    const keys = ["RESPONSE#ret-old", "RESPONSE#ret-recent", "CASE#case-ret-old", "CASE#case-ret-recent"];
    const swept = async () => {
      const items = await scan();
      return keys.map((key) => item(items, key));
    };
    const before = await swept();
    const schedule = await retentionSchedule();
    expect((await call("POST", `/_local/schedules/${schedule.name}/invoke`)).body.status).toBe("done");
    expect(await swept()).toEqual(before);
  });
});
