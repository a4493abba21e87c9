import { describe, expect, it } from "vitest";
import type { QueuedSubmission } from "../../lambdas/contracts/record";
import {
  answerSurveyLink,
  issueSurveyLink,
  type LinkProgress,
  readSurveyLink,
  type SurveyLinkLedger,
  type SurveyLinkPorts,
  scoreSurveyLink,
  surveyLinkKey,
} from "../../lambdas/core/survey-links";
import { renderSurveyPage } from "../../lambdas/core/survey-page";

/** Fault injection: a queue that refuses, and a ledger in memory that must end as if nothing happened. */
function ports(queueWorks: () => boolean) {
  const items = new Map<string, NonNullable<LinkProgress>>();
  const queued: QueuedSubmission[] = [];
  const ledger: SurveyLinkLedger = {
    progress: async (jti) => items.get(jti) ?? null,
    claimScore: async (jti, claim) => {
      if (items.has(jti)) return "taken";
      items.set(jti, claim);
      return "claimed";
    },
    claimComment: async (jti, score, commentHash) => {
      const held = items.get(jti);
      if (!held || held.score !== score || held.commentHash) return "taken";
      items.set(jti, { ...held, commentHash });
      return "claimed";
    },
    releaseScore: async (jti) => {
      items.delete(jti);
    },
    releaseComment: async (jti) => {
      const held = items.get(jti);
      if (held) items.set(jti, { ...held, commentHash: null });
    },
  };
  const survey: SurveyLinkPorts = {
    ledger,
    queue: async (submission) => {
      if (!queueWorks()) return false;
      queued.push(submission);
      return true;
    },
    now: () => new Date("2026-12-02T10:00:00Z"),
    newId: () => "01KBFAULT",
  };
  return { survey, items, queued };
}

const KEY = surveyLinkKey("unit-test-identity-secret-0123456789abcdef");

async function link() {
  const issued = await issueSurveyLink(
    { survey: "onboarding", type: "nps", customer: { id: "c-1" }, expiresInDays: 30 },
    { key: KEY, now: new Date("2026-12-02T09:00:00Z"), newId: () => "01KBFAULT", pageUrl: (token) => token },
  );
  const check = await readSurveyLink(issued.token, KEY, new Date("2026-12-02T10:00:00Z"));
  if (!check.ok) throw new Error("the link should read back");
  return check.link;
}

describe("survey links when the queue refuses", () => {
  it("gives the score back, says try again with a 503 page, and takes the same click afterwards", async () => {
    let up = false;
    const { survey, items, queued } = ports(() => up);
    const page = await scoreSurveyLink(await link(), 2, survey);
    expect(page.kind).toBe("unavailable");
    expect(renderSurveyPage(page).status).toBe(503);
    expect(items.size).toBe(0);
    up = true;
    expect((await scoreSurveyLink(await link(), 2, survey)).kind).toBe("comment");
    expect(queued).toEqual([expect.objectContaining({ id: "link-01KBFAULT", score: 2, channel: "email" })]);
  });

  it("gives the comment back, so the same comment is taken once the queue is back", async () => {
    let up = true;
    const { survey, items, queued } = ports(() => up);
    await scoreSurveyLink(await link(), 9, survey);
    up = false;
    expect((await answerSurveyLink(await link(), { comment: "Great setup call" }, survey)).kind).toBe("unavailable");
    expect(items.get("01KBFAULT")?.commentHash).toBeNull();
    up = true;
    expect((await answerSurveyLink(await link(), { comment: "Great setup call" }, survey)).kind).toBe("thanks");
    expect(queued.at(-1)).toMatchObject({ score: 9, comment: "Great setup call", revision: 1 });
    expect(queued.at(-1)?.submittedAt).toBe(queued[0]?.submittedAt);
  });
});
