import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { digestWindows } from "../../lambdas/core/digest";
import { eventually } from "../support/eventually";
import { type Json, localApi } from "../support/local-api";

const run = promisify(execFile);
const local = localApi("metrics");
const { call, invokeSchedule } = local;

// Last full week, as the digest sees it, so one data set serves the API and the digest.
const { week, previous } = digestWindows(new Date());
const addDays = (day: string, n: number) => new Date(Date.parse(day) + n * 86_400_000).toISOString().slice(0, 10);
const SEGMENTS: Record<string, string | undefined> = { "c-0": "enterprise", "c-1": "smb", "c-2": "smb" };
const SURVEYS = ["post-purchase", "onboarding", undefined];
const TOUCHPOINTS = ["checkout", "delivery", "support", "app", "billing"];
/** The default journey's stage of each touchpoint, written out by hand; `app` is in none. */
const STAGES: Record<string, string | undefined> = { checkout: "buy", delivery: "own", support: "own", billing: "own" };
const CHANNELS = ["web", "email"];
const LATE_COMPLAINT = "The parcel arrived late and the courier left it in the rain";

interface Posted {
  id: string;
  type: "nps" | "csat" | "ces";
  score: number;
  day: string;
  survey?: string;
  touchpoint: string;
  channel: string;
  customer: string;
}
const posted: Posted[] = Array.from({ length: 84 }, (_, i) => {
  const type = (["nps", "nps", "csat", "ces"] as const)[i % 4] as Posted["type"];
  const score = type === "nps" ? (i * 7) % 11 : type === "csat" ? 1 + ((i * 3) % 5) : 1 + ((i * 5) % 7);
  return {
    id: `m-${i}`,
    type,
    score,
    day: addDays(week.from, i % 7),
    survey: SURVEYS[i % 3],
    touchpoint: TOUCHPOINTS[i % 5] as string,
    channel: CHANNELS[i % 2] as string,
    customer: `c-${i % 4}`,
  };
});
const submission = (item: Posted) => ({
  id: item.id,
  type: item.type,
  score: item.score,
  ...(item.survey ? { survey: item.survey } : {}),
  touchpoint: item.touchpoint,
  channel: item.channel,
  customer: { id: item.customer },
  submittedAt: `${item.day}T${String(8 + (item.id.length % 12)).padStart(2, "0")}:30:00Z`,
  ...(item.type === "nps" && item.score <= 6 ? { comment: LATE_COMPLAINT } : {}),
  ...(item.type === "nps" && item.score >= 9 ? { comment: "Fair price and friendly people" } : {}),
});

/** The expected figures, computed here from the posted list alone, without cxloop's code. */
const round2 = (n: number) => Math.round(n * 100) / 100;
function expected(items: Posted[]) {
  const of = (type: string) => items.filter((item) => item.type === type).map((item) => item.score);
  const nps = of("nps");
  const csat = of("csat");
  const ces = of("ces");
  const share = (scores: number[], top: (s: number) => boolean) =>
    scores.length ? round2((100 * scores.filter(top).length) / scores.length) : null;
  return {
    nps: {
      responses: nps.length,
      score: nps.length
        ? round2((100 * (nps.filter((s) => s >= 9).length - nps.filter((s) => s <= 6).length)) / nps.length)
        : null,
    },
    csat: { responses: csat.length, score: share(csat, (s) => s >= 4) },
    ces: { responses: ces.length, score: share(ces, (s) => s >= 5) },
  };
}
const figures = (set: Json) => ({
  nps: { responses: set.nps.responses, score: set.nps.score },
  csat: { responses: set.csat.responses, score: set.csat.score },
  ces: { responses: set.ces[0].responses, score: set.ces[0].score },
});
/** Arrives after the first rollup, for a day already rolled up. */
const late: Posted = { ...(posted[1] as Posted), id: "late-1", score: 0, day: week.from };
const metrics = async (query: Record<string, string> = {}) =>
  (await call("GET", `/v1/metrics?${new URLSearchParams({ from: week.from, to: week.to, ...query })}`)).body;
const allRecorded = async (count: number) =>
  eventually(async () => {
    const { body } = await call("GET", `/v1/responses?from=${previous.from}&limit=100`);
    return body.items.length === count ? true : undefined;
  }, 90_000);

beforeAll(async () => {
  await local.start();
  for (const [id, segment] of Object.entries(SEGMENTS))
    expect((await call("PUT", `/v1/customers/${id}`, { segment, annualValue: 12_000, currency: "EUR" })).status).toBe(
      201,
    );
  // The week before: ten promoters, so this week's NPS has something to be compared with.
  const earlier = Array.from({ length: 10 }, (_, i) => ({
    id: `prev-${i}`,
    type: "nps",
    score: 10,
    submittedAt: `${previous.from}T12:00:00Z`,
  }));
  const batch = await call("POST", "/v1/responses/batch", { responses: [...posted.map(submission), ...earlier] });
  expect(batch.body.accepted).toBe(94);
  // A client retry of part of the batch: the same ids again must not count twice.
  expect((await call("POST", "/v1/responses/batch", { responses: posted.slice(0, 20).map(submission) })).status).toBe(
    200,
  );
  await allRecorded(94);
  await invokeSchedule("MetricsRollupSchedule");
}, 120_000);
afterAll(async () => {
  await local.stop();
  local.removeData();
});

describe("metrics in the local runtime", () => {
  it("returns exactly the independently computed NPS, CSAT and CES, overall and against the week before", async () => {
    const body = await metrics();
    expect(figures(body)).toEqual(expected(posted));
    expect(body.nps.ci95.low).toBeLessThan(body.nps.score);
    expect(body.previous.nps).toMatchObject({ responses: 10, score: 100 });
    expect(body.change.nps.points).toBe(round2((expected(posted).nps.score as number) - 100));
  });

  it("groups by each dimension and by day with the same exact figures", async () => {
    const dimensions: [string, (item: Posted) => string | null][] = [
      ["survey", (item) => item.survey ?? null],
      ["touchpoint", (item) => item.touchpoint],
      ["channel", (item) => item.channel],
      ["segment", (item) => SEGMENTS[item.customer] ?? null],
      ["stage", (item) => STAGES[item.touchpoint] ?? null],
      ["day", (item) => item.day],
    ];
    for (const [groupBy, keyOf] of dimensions) {
      const body = await metrics({ groupBy });
      const keys = [...new Set(posted.map(keyOf))];
      expect(body.groups.map((group: Json) => group.key).sort(), groupBy).toEqual(keys.sort());
      for (const group of body.groups)
        expect(figures(group), `${groupBy}=${group.key}`).toEqual(
          expected(posted.filter((item) => keyOf(item) === group.key)),
        );
    }
    const filtered = await metrics({ channel: "email", segment: "smb" });
    expect(figures(filtered)).toEqual(
      expected(posted.filter((item) => item.channel === "email" && SEGMENTS[item.customer] === "smb")),
    );
    const ownBySegment = await metrics({ stage: "own", groupBy: "segment" });
    for (const group of ownBySegment.groups)
      expect(figures(group), `own, segment=${group.key}`).toEqual(
        expected(
          posted.filter((item) => STAGES[item.touchpoint] === "own" && (SEGMENTS[item.customer] ?? null) === group.key),
        ),
      );
    // Three dimensions read the cube's running sums, not a stored view: the same exact figures.
    const emailSmbByTouchpoint = await metrics({ channel: "email", segment: "smb", groupBy: "touchpoint" });
    const emailSmb = posted.filter((item) => item.channel === "email" && SEGMENTS[item.customer] === "smb");
    expect(emailSmbByTouchpoint.groups.length).toBeGreaterThan(1);
    expect(emailSmbByTouchpoint.groups.map((group: Json) => group.key).sort()).toEqual(
      [...new Set(emailSmb.map((item) => item.touchpoint))].sort(),
    );
    for (const group of emailSmbByTouchpoint.groups)
      expect(figures(group), `email, smb, touchpoint=${group.key}`).toEqual(
        expected(emailSmb.filter((item) => item.touchpoint === group.key)),
      );
    const { body: stamped } = await call("GET", `/v1/responses/${posted[1]?.id}`);
    expect(stamped).toMatchObject({ touchpoint: "delivery", stage: "own" });
  });

  it("ranks the theme planted in detractor comments first among the drivers", async () => {
    const { body } = await call("GET", `/v1/drivers?from=${week.from}&to=${week.to}`);
    expect(body.metric).toBe("nps");
    const [first] = body.drivers;
    expect(first.theme).toBe("delivery");
    expect(first.withTheme.score).toBe(-100);
    expect(first.impact).toBeLessThan(0);
    expect(first.customers).toBeGreaterThan(0);
    expect(first.annualValue).toEqual([{ currency: "EUR", total: expect.any(Number) }]);
  });

  it("answers bad queries with 422 naming the field, and the last storable days like any others", async () => {
    const lastDays = await call("GET", "/v1/metrics?to=9999-12-31&groupBy=day");
    expect(lastDays.status).toBe(200);
    expect(lastDays.body.groups).toHaveLength(30);
    const wrongGroup = await call("GET", "/v1/metrics?groupBy=year");
    expect(wrongGroup.status).toBe(422);
    expect(wrongGroup.body.error.details[0].path).toBe("query.groupBy");
    const backwards = await call("GET", "/v1/metrics?from=2026-02-01&to=2026-01-01");
    expect(backwards.status).toBe(422);
    expect(backwards.body.error.details[0].path).toBe("query.from");
    const badDate = await call("GET", "/v1/drivers?from=yesterday");
    expect(badDate.status).toBe(422);
  });

  it("counts a late response in its own day at the next rollup, and a rerun or a recompute changes nothing", async () => {
    expect((await call("POST", "/v1/responses", submission(late))).status).toBe(202);
    await allRecorded(95);
    // Metrics read aggregates only: nothing moves until the rollup has run.
    expect(figures(await metrics())).toEqual(expected(posted));
    await invokeSchedule("MetricsRollupSchedule");
    const withLate = [...posted, late];
    const after = await metrics({ groupBy: "day" });
    expect(figures(after)).toEqual(expected(withLate));
    expect(figures(after.groups[0])).toEqual(expected(withLate.filter((item) => item.day === week.from)));

    await invokeSchedule("MetricsRollupSchedule");
    expect(await metrics({ groupBy: "day" })).toEqual(after);
    const { stdout, stderr } = await run(
      process.execPath,
      [
        "--import",
        "tsx",
        "bin/cli.ts",
        "metrics",
        "recompute",
        "--from",
        previous.from,
        "--to",
        week.to,
        "--endpoint",
        local.runtime().url,
        "--key",
        local.apiKey,
      ],
      { cwd: join(import.meta.dirname, "../..") },
    );
    expect(JSON.parse(stdout)).toEqual({ from: previous.from, to: week.to, days: 14, responses: 95 });
    expect(stderr).toContain("recomputed 14/14 days (95 responses)");
    expect(await metrics({ groupBy: "day" })).toEqual(after);

    const refused = run(
      process.execPath,
      ["--import", "tsx", "bin/cli.ts", "metrics", "recompute", "--from", week.from, "--to", week.to].concat([
        "--endpoint",
        local.runtime().url,
        "--key",
        "not-a-key",
      ]),
      { cwd: join(import.meta.dirname, "../..") },
    );
    await expect(refused).rejects.toMatchObject({ stderr: expect.stringContaining("answered 401") });
  });

  it("sends the weekly digest once to Slack and email, with the NPS trend chart as a PNG and a quoted driver", async () => {
    await invokeSchedule("MetricsDigestSchedule");
    const digest = (items: Json[]) =>
      items.filter((item: Json) => item.subject?.includes("weekly digest") || item.text?.includes("weekly digest"));
    const sent = digest((await call("GET", "/_local/outbox")).body.items);
    const emails = sent.filter((item: Json) => item.kind === "email");
    const slack = sent.filter((item: Json) => item.kind === "slack");
    // Team lead and head of CX share one Slack webhook: one post there, one email each.
    expect(emails.map((item: Json) => item.to).sort()).toEqual(["head-of-cx@example.com", "team-lead@example.com"]);
    expect(slack).toHaveLength(1);
    const [email] = emails;
    expect(email.subject).toContain(`${week.from} to ${week.to}`);
    expect(email.text).toContain(
      `NPS ${expected([...posted, late]).nps.score} (n=${expected([...posted, late]).nps.responses})`,
    );
    expect(email.text).toMatch(/1\. delivery: -\d/);
    expect(email.text).toContain(LATE_COMPLAINT);
    expect(email.payload.html).toContain('src="cid:nps-trend@cxloop"');
    expect(email.payload.attachments).toEqual([
      { cid: "nps-trend@cxloop", contentType: "image/png", size: expect.any(Number) },
    ]);
    expect(JSON.stringify(slack[0].payload.blocks)).toContain("Top negative drivers");
    // The chart the Slack image block shows, served from the local runtime's outbox as S3 would serve it.
    const image = slack[0].payload.blocks.find((block: Json) => block.type === "image");
    expect(image.image_url).toBe(`${local.runtime().url}/_local/outbox/files/digest/${week.from}/nps-trend.png`);
    const chart = await fetch(image.image_url);
    expect(chart.headers.get("content-type")).toBe("image/png");
    const png = Buffer.from(await chart.arrayBuffer());
    expect(png.subarray(1, 4).toString("latin1")).toBe("PNG");
    expect(png.length).toBe(email.payload.attachments[0].size);

    await invokeSchedule("MetricsDigestSchedule");
    expect(digest((await call("GET", "/_local/outbox")).body.items)).toHaveLength(sent.length);
  });
});
