import { readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readRecords } from "../../bin/commands/batch-import";
import { dryRunImport } from "../../bin/commands/responses-import";
import { mapCxloopLine } from "../../lambdas/core/importers/cxloop";
import { delightedRevision, mapDelightedCsvRow, mapDelightedResponse } from "../../lambdas/core/importers/delighted";
import {
  FormbricksCsvSurvey,
  formbricksRevision,
  mapFormbricksCsvRow,
  mapFormbricksResponse,
} from "../../lambdas/core/importers/formbricks";
import { checkSubmissions, fitAttributes } from "../../lambdas/core/importers/shape";

const fixture = (name: string) => join(import.meta.dirname, "../fixtures/importers", name);
const now = new Date("2026-01-01T00:00:00Z");
const records = async (file: string) => {
  const all: { line: number; record: unknown }[] = [];
  for await (const entry of readRecords(file, () => undefined)) all.push(entry);
  return all;
};

describe("Delighted", () => {
  it("maps an API survey_response: id, type, original time, customer, channel, attributes", () => {
    const [response] = JSON.parse(readFileSync(fixture("delighted-survey-responses.json"), "utf8"));
    const { submissions, problems } = mapDelightedResponse(response);
    expect(problems).toEqual([]);
    expect(submissions).toEqual([
      {
        id: "delighted-81234567",
        type: "nps",
        score: 9,
        scale: { min: 0, max: 10 },
        comment: "Delivery was quick and the support team was lovely.",
        survey: "delighted-nps",
        channel: "email",
        customer: { id: "c-1001", email: "ada@example.com", name: "Ada Lovelace" },
        submittedAt: "2025-01-01T10:00:00.000Z",
        attributes: {
          source: "Email",
          device: "desktop",
          tags: "delivery, support",
          notes: "Called back, happy",
          Plan: "pro",
          "What should we add?": "More colours",
          "How did you hear of us?": "Friend",
        },
      },
    ]);
    expect(delightedRevision(response)).toBe(1735725780);
    expect(checkSubmissions(mapDelightedResponse(response), now)[0]?.ok).toBe(true);
  });

  it("names the field of a bad response: a score off the scale, a survey type with no cxloop equivalent", async () => {
    const all = JSON.parse(readFileSync(fixture("delighted-survey-responses.json"), "utf8")) as unknown[];
    const checked = all.map((response) => {
      const mapped = mapDelightedResponse(response);
      return [...mapped.problems, ...checkSubmissions(mapped, now).flatMap((c) => (c.ok ? [] : c.details))];
    });
    expect(checked.map((problems) => problems.map((p) => p.path))).toEqual([
      [],
      [],
      [],
      [],
      ["score"],
      ["survey_type"],
    ]);
    expect(mapDelightedResponse(all[3]).submissions[0]).toMatchObject({
      type: "ces",
      scale: { min: 1, max: 7 },
      channel: "app",
    });
    // The JSON file's error report points at the line each object starts on.
    expect((await records(fixture("delighted-survey-responses.json"))).map((entry) => entry.line)).toEqual([
      2, 32, 44, 54, 63, 71,
    ]);
  });

  it("maps the CSV export by header name, unknown columns becoming attributes", async () => {
    const rows = await records(fixture("delighted-export.csv"));
    const first = mapDelightedCsvRow(rows[0]?.record as Record<string, string>);
    expect(first.submissions[0]).toEqual({
      id: "delighted-91000001",
      type: "nps",
      score: 10,
      scale: { min: 0, max: 10 },
      comment: "Love it, especially the new dashboard",
      survey: "delighted-nps",
      channel: "email",
      customer: { id: "5501", email: "ada@example.com", name: "Ada Lovelace" },
      submittedAt: "2025-01-02T09:15:00.000Z",
      attributes: { source: "Email", device: "desktop", tags: "dashboard, praise", Plan: "pro", Region: "EU" },
    });
    expect(mapDelightedCsvRow(rows[4]?.record as Record<string, string>).problems).toEqual([
      { path: "score", message: "must be a whole number" },
    ]);
    expect(mapDelightedCsvRow(rows[5]?.record as Record<string, string>).problems[0]?.path).toBe("created_at");
  });
});

describe("Formbricks", () => {
  const csvPlan = async (overrides: Record<string, string> = {}) => {
    const survey = new FormbricksCsvSurvey();
    const rows = await records(fixture("formbricks-export.csv"));
    for (const { record } of rows) survey.observe(record as Record<string, string>);
    return { plan: survey.plan(overrides), rows: rows.map((row) => row.record as Record<string, string>) };
  };

  it("recognises NPS, CES, open text and a choice from headlines and answers, without configuration", async () => {
    const { plan } = await csvPlan();
    expect(plan.map((question) => [question.number, question.kind])).toEqual([
      ["1", { kind: "nps", scale: { min: 0, max: 10 } }],
      ["2", { kind: "ces", scale: { min: 1, max: 7 } }],
      ["3", { kind: "comment" }],
      ["4", { kind: "attribute" }],
    ]);
  });

  it("makes one submission per scored question, the comment on the first, ids suffixed by the question", async () => {
    const { plan, rows } = await csvPlan();
    const { submissions } = mapFormbricksCsvRow(rows[0] as Record<string, string>, plan);
    expect(submissions.map((s) => [s.id, s.type, s.score, s.comment ?? null])).toEqual([
      ["formbricks-clx0a1b2c0001-q1", "nps", 10, "The onboarding checklist made it effortless"],
      ["formbricks-clx0a1b2c0001-q2", "ces", 7, null],
    ]);
    expect(submissions[0]).toMatchObject({
      survey: "formbricks-srv_onboarding",
      channel: "web",
      customer: { id: "u-2001" },
      submittedAt: "2025-01-05T10:00:00.000Z",
      attributes: { finished: true, tags: "promoter, onboarding", country: "DE", "Which plan are you on?": "Pro" },
    });
    // One scored answer: the plain id; the contact id stands in for a missing user id.
    expect(mapFormbricksCsvRow(rows[2] as Record<string, string>, plan).submissions).toMatchObject([
      { id: "formbricks-clx0a1b2c0003", type: "nps", score: 8, customer: { id: "ctc_003" } },
    ]);
    expect(mapFormbricksCsvRow(rows[4] as Record<string, string>, plan).problems[0]?.path).toBe("Timestamp");
    expect(mapFormbricksCsvRow(rows[5] as Record<string, string>, plan)).toEqual({ submissions: [], problems: [] });
  });

  it("lets --map override a question by number, headline or column, with a scale", async () => {
    const { plan, rows } = await csvPlan({ "2": "ignore", "Which plan are you on?": "ignore" });
    expect(plan.map((question) => question.kind.kind)).toEqual(["nps", "ignore", "comment", "ignore"]);
    expect(mapFormbricksCsvRow(rows[0] as Record<string, string>, plan).submissions).toHaveLength(1);
    const scaled = await csvPlan({ "2. How easy was it to solve your problem today?": "ces:1-7" });
    expect(scaled.plan[1]).toMatchObject({ kind: { kind: "ces", scale: { min: 1, max: 7 } }, reason: "as mapped" });
    await expect(csvPlan({ "1": "stars" })).rejects.toThrow(/--map 1\. How likely.*=stars/);
  });

  it("maps Management API responses by the survey mapping; questions it does not name are left out", () => {
    const surveys = JSON.parse(readFileSync(fixture("formbricks-surveys.json"), "utf8"));
    const { data } = JSON.parse(readFileSync(fixture("formbricks-responses.json"), "utf8"));
    const first = mapFormbricksResponse(data[0], surveys);
    expect(first.submissions.map((s) => [s.id, s.type, s.score])).toEqual([
      ["formbricks-cm5r0a1b20001-q_nps", "nps", 9],
      ["formbricks-cm5r0a1b20001-q_csat", "csat", 5],
    ]);
    expect(first.submissions[0]).toMatchObject({
      comment: "Support solved it in one call",
      survey: "support-followup",
      channel: "email",
      customer: { id: "u-3001", email: "ada@example.com" },
      attributes: { tags: "support", plan: "pro", finished: true },
    });
    expect(formbricksRevision(data[0])).toBe(Date.parse("2025-01-08T10:01:30.000Z") / 1000);
    expect(mapFormbricksResponse(data[1], surveys).submissions).toMatchObject([{ id: "formbricks-cm5r0a1b20002" }]);
    expect(mapFormbricksResponse(data[0], {}).submissions).toEqual([]);
    const bad = checkSubmissions(mapFormbricksResponse(data[2], surveys), now);
    expect(bad).toMatchObject([{ ok: false, details: [{ path: "score", message: "must be between 0 and 10" }] }]);
  });
});

describe("cxloop JSONL and attribute limits", () => {
  it("takes a submission as is and a stored record back to the submission it came from", () => {
    const lines = readFileSync(fixture("cxloop.jsonl"), "utf8").split("\n");
    expect(mapCxloopLine(JSON.parse(lines[1] as string)).submissions[0]).toEqual({
      id: "legacy-2",
      type: "csat",
      score: 2,
      scale: { min: 1, max: 5 },
      comment: "Slow",
      survey: "legacy",
      channel: "web",
      submittedAt: "2025-01-10T11:00:00Z",
      customer: { id: "c-2", email: "b@example.com" },
      attributes: { plan: "pro" },
    });
  });

  it("fits other tools' properties into 50 attributes of bounded size", () => {
    const many = Array.from({ length: 80 }, (_, i): [string, unknown] => [`${i}${"k".repeat(70)}`, "v".repeat(300)]);
    const fitted = fitAttributes([["first", 1], ...many]);
    expect(Object.keys(fitted)).toHaveLength(50);
    expect(fitted.first).toBe(1);
    expect(Object.keys(fitted).every((key) => key.length <= 64)).toBe(true);
    expect(Object.values(fitted).every((value) => String(value).length <= 256)).toBe(true);
  });
});

describe("10,000 rows", () => {
  it("map and check in a dry run, bad ones counted with their reasons", async () => {
    const file = join(tmpdir(), `delighted-10k-${process.pid}.csv`);
    const lines = ["Response ID,Survey Type,Score,Comment,Created At,Person ID,Email,Delighted Source"];
    for (let i = 1; i <= 10_000; i++) {
      const score = i % 500 === 0 ? 12 : i % 11;
      const email = i % 1000 === 7 ? "not-an-email" : `p${i}@example.com`;
      lines.push(
        `${i},nps,${score},comment ${i},2025-02-${String((i % 28) + 1).padStart(2, "0")} 10:00:00,p${i},${email},Email`,
      );
    }
    writeFileSync(file, `${lines.join("\n")}\n`);
    const started = Date.now();
    const report = await dryRunImport({
      from: "delighted",
      file,
      map: [],
      restart: false,
      now,
      log: () => undefined,
      progress: () => undefined,
    });
    expect(report).toMatchObject({ rows: 10_000, wouldImport: 9_970, badRows: 30, emptyRows: 0 });
    expect(report.reasons).toEqual([
      { reason: "score: must be between 0 and 10", rows: 20 },
      { reason: "customer.email: Invalid email address", rows: 10 },
    ]);
    expect(report.window).toEqual({ from: "2025-02-01", to: "2025-02-28" });
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
