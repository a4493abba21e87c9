import { describe, expect, it } from "vitest";
import { acceptSubmission } from "../../lambdas/core/submission";

const now = new Date("2026-11-22T12:00:00.000Z");
const accept = (raw: unknown, extra: { idempotencyKey?: string; pathPrefix?: string } = {}) =>
  acceptSubmission(raw, { now, newId: () => "GENERATED", ...extra });

describe("acceptSubmission", () => {
  it("resolves the default scale per type and stamps receipt time", () => {
    const result = accept({ type: "csat", score: 4 });
    expect(result).toEqual({
      ok: true,
      value: {
        id: "GENERATED",
        type: "csat",
        score: 4,
        scale: { min: 1, max: 5 },
        submittedAt: "2026-11-22T12:00:00.000Z",
        receivedAt: "2026-11-22T12:00:00.000Z",
      },
    });
  });

  it("prefers the body id, then the Idempotency-Key, then a generated id", () => {
    expect(accept({ id: "mine", type: "nps", score: 1 }, { idempotencyKey: "mine" })).toMatchObject({
      value: { id: "mine" },
    });
    expect(accept({ type: "nps", score: 1 }, { idempotencyKey: "key-1" })).toMatchObject({ value: { id: "key-1" } });
    expect(accept({ type: "nps", score: 1 })).toMatchObject({ value: { id: "GENERATED" } });
  });

  it("normalises submittedAt to UTC and allows up to five minutes of client clock skew", () => {
    expect(accept({ type: "nps", score: 9, submittedAt: "2026-11-22T14:04:00+02:00" })).toMatchObject({
      value: { submittedAt: "2026-11-22T12:04:00.000Z" },
    });
    expect(accept({ type: "nps", score: 9, submittedAt: "2026-11-22T12:05:01Z" })).toMatchObject({
      ok: false,
      details: [{ path: "submittedAt" }],
    });
  });

  it("keeps a CES 1-5 scale when it is explicit and scores it on that scale", () => {
    expect(accept({ type: "ces", score: 5, scale: { min: 1, max: 5 } })).toMatchObject({
      value: { scale: { min: 1, max: 5 } },
    });
  });

  it("accepts a review with or without a star rating, and a comment without a scale", () => {
    expect(accept({ type: "review", comment: "Great", score: 5 }).ok).toBe(true);
    expect(accept({ type: "review", comment: "Great" }).ok).toBe(true);
    const comment = accept({ type: "comment", comment: "Hello" });
    expect(comment.ok && comment.value.scale).toBeUndefined();
  });

  it("prefixes field paths for batch items and reports every problem at once", () => {
    const result = accept(
      { type: "nps", score: 12, submittedAt: "2030-01-01T00:00:00Z" },
      { pathPrefix: "responses.7" },
    );
    expect(result).toEqual({
      ok: false,
      details: [
        { path: "responses.7.score", message: "must be between 0 and 10" },
        { path: "responses.7.submittedAt", message: "is more than 5 minutes in the future" },
      ],
    });
  });

  it("names each unknown field", () => {
    expect(accept({ type: "nps", score: 1, a: 1, b: 2 })).toMatchObject({
      ok: false,
      details: [{ path: "a" }, { path: "b" }],
    });
  });
});
