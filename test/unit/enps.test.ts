import { describe, expect, it } from "vitest";
import { aggregateDay } from "../../lambdas/core/aggregates";
import { enpsFigure, poolSmallGroups } from "../../lambdas/core/enps";
import { acceptSubmission } from "../../lambdas/core/submission";
import { rollupResponse } from "../support/responses";

const counts = (responses: number) => ({ responses, promoters: responses, passives: 0, detractors: 0 });
const accept = (raw: unknown) => acceptSubmission(raw, { now: new Date("2026-12-01T12:00:00Z"), newId: () => "id-1" });

describe("employee answers (eNPS)", () => {
  it("are asked on 0-10 and never name a customer; only they may name an employee group", () => {
    expect(accept({ type: "enps", score: 7, employee: { team: "support" } })).toMatchObject({
      ok: true,
      value: { scale: { min: 0, max: 10 }, employee: { team: "support" } },
    });
    expect(accept({ type: "enps", score: 11 })).toMatchObject({ ok: false, details: [{ path: "score" }] });
    expect(accept({ type: "enps", score: 7, customer: { id: "c1" } })).toMatchObject({
      ok: false,
      details: [{ path: "customer" }],
    });
    expect(accept({ type: "nps", score: 7, employee: { team: "support" } })).toMatchObject({
      ok: false,
      details: [{ path: "employee" }],
    });
  });

  it("are kept out of every customer view and counted by team and location", () => {
    const day = aggregateDay("2026-12-01", [
      rollupResponse({ id: "c", type: "nps", score: 0, submittedAt: "2026-12-01T10:00:00Z" }),
      rollupResponse({
        id: "e1",
        type: "enps",
        score: 10,
        submittedAt: "2026-12-01T10:00:00Z",
        themes: ["pay"],
        employee: { team: "ops" },
      }),
      rollupResponse({
        id: "e2",
        type: "enps",
        score: 3,
        submittedAt: "2026-12-01T10:00:00Z",
        employee: { team: "ops" },
      }),
    ]);
    expect(day.cells.map((cell) => cell.stats.total)).toEqual([1]);
    expect(day.themes).toEqual([]);
    expect(day.answers.map((answer) => answer.id)).toEqual(["c"]);
    expect(day.employees).toEqual([
      { key: { team: "ops", location: null }, enps: { responses: 2, promoters: 1, passives: 0, detractors: 1 } },
    ]);
  });

  it("show nothing below five answers, and an empty group as zero", () => {
    expect(enpsFigure(counts(4), 30)).toMatchObject({ shown: false, responses: null, score: null });
    expect(enpsFigure(counts(5), 30)).toMatchObject({ shown: true, responses: 5, score: 100, insufficient: true });
    expect(enpsFigure(counts(0), 30)).toMatchObject({ shown: true, responses: 0, score: null });
  });

  it("pool small groups, adding the smallest shown one while the pool is under five", () => {
    const pooled = poolSmallGroups([
      { key: "a", counts: counts(20) },
      { key: "b", counts: counts(6) },
      { key: "c", counts: counts(2) },
      { key: "d", counts: counts(0) },
    ]);
    expect(pooled.map(({ key, pooled: members, counts: sum }) => [key, members, sum.responses])).toEqual([
      ["a", undefined, 20],
      ["d", undefined, 0],
      ["(smaller groups)", ["c", "b"], 8],
    ]);
    const enough = poolSmallGroups([
      { key: "a", counts: counts(9) },
      { key: "b", counts: counts(3) },
      { key: "c", counts: counts(2) },
    ]);
    expect(enough.map(({ key, pooled: members }) => [key, members])).toEqual([
      ["a", undefined],
      ["(smaller groups)", ["b", "c"]],
    ]);
  });
});
