import { describe, expect, it } from "vitest";
import {
  type CommentRetentionPorts,
  commentCutoff,
  expireComments,
  FIRST_SWEEP_FROM,
  SWEEP_OVERLAP_MS,
  type SweepRange,
  sweepRanges,
  withoutExpiredComment,
} from "../../lambdas/core/comment-retention";

describe("commentCutoff", () => {
  it("is the instant `days` whole days before now, in UTC ISO form", () => {
    expect(commentCutoff(new Date("2026-03-31T12:00:00.000Z"), 30)).toBe("2026-03-01T12:00:00.000Z");
  });
});

describe("withoutExpiredComment", () => {
  const record = { id: "r", submittedAt: "2026-01-10T00:00:00.000Z", comment: "slow delivery", score: 3 };

  it("drops the comment of a response submitted before the cutoff and keeps everything else", () => {
    expect(withoutExpiredComment(record, "2026-01-10T00:00:00.001Z")).toEqual({ ...record, comment: null });
  });

  it("keeps the comment at or after the cutoff, and always when comments are kept forever", () => {
    expect(withoutExpiredComment(record, "2026-01-10T00:00:00.000Z")).toBe(record);
    expect(withoutExpiredComment(record, null)).toBe(record);
  });
});

describe("sweepRanges", () => {
  it("splits the span at month starts, oldest first, each ending where the next begins", () => {
    expect(sweepRanges("2026-01-20T05:00:00.000Z", "2026-03-02T00:00:00.000Z")).toEqual([
      { from: "2026-01-20T05:00:00.000Z", to: "2026-02-01T00:00:00.000Z" },
      { from: "2026-02-01T00:00:00.000Z", to: "2026-03-01T00:00:00.000Z" },
      { from: "2026-03-01T00:00:00.000Z", to: "2026-03-02T00:00:00.000Z" },
    ]);
  });

  it("crosses a year end, and is one range inside a month", () => {
    expect(sweepRanges("2025-12-31T23:00:00.000Z", "2026-01-01T01:00:00.000Z")).toHaveLength(2);
    expect(sweepRanges("2026-05-01T00:00:00.000Z", "2026-05-02T00:00:00.000Z")).toEqual([
      { from: "2026-05-01T00:00:00.000Z", to: "2026-05-02T00:00:00.000Z" },
    ]);
  });

  it("is empty when there is nothing new to walk", () => {
    expect(sweepRanges("2026-05-02T00:00:00.000Z", "2026-05-02T00:00:00.000Z")).toEqual([]);
    expect(sweepRanges("2026-05-03T00:00:00.000Z", "2026-05-02T00:00:00.000Z")).toEqual([]);
  });
});

/** Responses and cases in memory, walked like the GSI1 month buckets, with a page size of two. */
function fakeStore(responses: { id: string; submittedAt: string; comment: string | null }[]) {
  const cases = new Map(responses.map((r) => [`case-${r.id}`, { comment: r.comment }]));
  const log: string[] = [];
  const walked: SweepRange[] = [];
  let watermark: string | null = null;
  let failOn: string | null = null;
  let stopOnceStripped: string | null = null;
  const ports: CommentRetentionPorts = {
    responses: {
      commentWatermark: async () => watermark,
      saveCommentWatermark: async (at) => {
        if (watermark === null || at > watermark) watermark = at;
      },
      async *withComment(range) {
        walked.push(range);
        const found = responses
          .filter((r) => r.comment !== null && r.submittedAt >= range.from && r.submittedAt < range.to)
          .sort((a, b) => a.submittedAt.localeCompare(b.submittedAt));
        // DynamoDB answers an empty range with one empty page.
        if (found.length === 0) yield { ids: [], readTo: null };
        for (let i = 0; i < found.length; i += 2) {
          const page = found.slice(i, i + 2);
          yield {
            ids: page.map((r) => r.id),
            readTo: i + 2 < found.length ? (page.at(-1)?.submittedAt ?? null) : null,
          };
        }
      },
      stripComment: async (id) => {
        if (id === failOn) throw new Error("crash");
        log.push(`response ${id}`);
        const found = responses.find((r) => r.id === id);
        if (found) found.comment = null;
      },
    },
    cases: {
      stripComment: async (caseId) => {
        log.push(`case ${caseId}`);
        const found = cases.get(caseId);
        if (found) found.comment = null;
      },
    },
    retentionDays: 30,
    now: () => new Date("2026-06-15T00:00:00.000Z"),
    hasTime: () => stopOnceStripped === null || !log.includes(`response ${stopOnceStripped}`),
  };
  return {
    ports,
    responses,
    cases,
    log,
    walked,
    watermark: () => watermark,
    failOn: (id: string | null) => {
      failOn = id;
    },
    stopOnceStripped: (id: string | null) => {
      stopOnceStripped = id;
    },
  };
}

const history = () => [
  { id: "ancient", submittedAt: "1999-12-31T00:00:00.000Z", comment: "old clock" },
  { id: "jan", submittedAt: "2026-01-05T00:00:00.000Z", comment: "january" },
  { id: "apr-1", submittedAt: "2026-04-01T00:00:00.000Z", comment: "april one" },
  { id: "apr-2", submittedAt: "2026-04-10T00:00:00.000Z", comment: "april two" },
  { id: "apr-3", submittedAt: "2026-04-20T00:00:00.000Z", comment: "april three" },
  { id: "no-comment", submittedAt: "2026-04-21T00:00:00.000Z", comment: null },
  { id: "recent", submittedAt: "2026-05-20T00:00:00.000Z", comment: "still kept" },
];
const CUTOFF = "2026-05-16T00:00:00.000Z";

describe("expireComments", () => {
  it("on its first run strips every comment before the cutoff, case first, and keeps the recent one", async () => {
    const store = fakeStore(history());
    const result = await expireComments(store.ports);
    expect(result).toEqual({ cutoff: CUTOFF, stripped: 5, complete: true });
    expect(store.responses.filter((r) => r.comment !== null).map((r) => r.id)).toEqual(["recent"]);
    expect(store.cases.get("case-recent")?.comment).toBe("still kept");
    expect(store.cases.get("case-apr-2")?.comment).toBeNull();
    expect(store.log.indexOf("case case-jan")).toBeLessThan(store.log.indexOf("response jan"));
    expect(store.walked[0]?.from).toBe(FIRST_SWEEP_FROM);
    expect(store.watermark()).toBe(CUTOFF);
  });

  it("walks only from the watermark, less the overlap, to the new cutoff; a rerun strips nothing", async () => {
    const store = fakeStore(history());
    await expireComments(store.ports);
    store.walked.length = 0;
    store.log.length = 0;
    store.ports.now = () => new Date("2026-06-16T00:00:00.000Z");
    expect(await expireComments(store.ports)).toEqual({
      cutoff: "2026-05-17T00:00:00.000Z",
      stripped: 0,
      complete: true,
    });
    expect(store.walked).toEqual([
      { from: new Date(Date.parse(CUTOFF) - SWEEP_OVERLAP_MS).toISOString(), to: "2026-05-17T00:00:00.000Z" },
    ]);
    expect(store.log).toEqual([]);
  });

  it("catches up missed runs, and strips a comment that entered a walked month late (within the overlap)", async () => {
    const store = fakeStore(history());
    await expireComments(store.ports);
    store.responses.push({ id: "late", submittedAt: "2026-05-15T23:30:00.000Z", comment: "shown late by the index" });
    store.ports.now = () => new Date("2026-06-25T00:00:00.000Z");
    const result = await expireComments(store.ports);
    expect(result.stripped).toBe(2);
    expect(store.responses.find((r) => r.id === "recent")?.comment).toBeNull();
    expect(store.responses.find((r) => r.id === "late")?.comment).toBeNull();
  });

  it("after a crash midway, a rerun resumes from the saved progress and finishes the job", async () => {
    const store = fakeStore(history());
    store.failOn("apr-3");
    await expect(expireComments(store.ports)).rejects.toThrow("crash");
    // The page with apr-1 and apr-2 was saved; the case of apr-3 may already be stripped, its response not.
    expect(store.watermark()).toBe("2026-04-10T00:00:00.000Z");
    expect(store.responses.find((r) => r.id === "apr-3")?.comment).toBe("april three");
    store.failOn(null);
    store.walked.length = 0;
    expect(await expireComments(store.ports)).toMatchObject({ stripped: 1, complete: true });
    expect(store.walked[0]?.from).toBe(
      new Date(Date.parse("2026-04-10T00:00:00.000Z") - SWEEP_OVERLAP_MS).toISOString(),
    );
    expect(store.responses.filter((r) => r.comment !== null).map((r) => r.id)).toEqual(["recent"]);
  });

  it("stops when time runs out, saving how far it got, and the next run goes on from there", async () => {
    const store = fakeStore(history());
    store.stopOnceStripped("ancient");
    expect(await expireComments(store.ports)).toMatchObject({ stripped: 1, complete: false });
    expect(store.watermark()).toBe("2000-01-01T00:00:00.000Z");
    store.stopOnceStripped(null);
    expect(await expireComments(store.ports)).toMatchObject({ stripped: 4, complete: true });
  });
});
