import { describe, expect, it } from "vitest";
import type { QueuedSubmission } from "../../lambdas/contracts/record";
import { enrich } from "../../lambdas/core/enrich";
import { vaderAnalyzer, vaderSentiment } from "../../lambdas/core/sentiment";
import { createThemeMatcher, DEFAULT_THEMES } from "../../lambdas/core/themes";

const themes = createThemeMatcher();
const now = new Date("2026-11-22T12:00:01.000Z");
const queued = (overrides: Partial<QueuedSubmission>): QueuedSubmission => ({
  id: "r1",
  type: "nps",
  score: 9,
  scale: { min: 0, max: 10 },
  submittedAt: "2026-11-22T11:00:00.000Z",
  receivedAt: "2026-11-22T12:00:00.000Z",
  ...overrides,
});

describe("themes", () => {
  it("finds every theme whose keyword starts a word, case-insensitively", () => {
    expect(themes("The DELIVERY was late, and the refund took weeks").sort()).toEqual(["billing", "delivery"]);
    expect(themes("Shipping fast; checkout was confusing")).toEqual(
      expect.arrayContaining(["delivery", "checkout", "usability", "performance"]),
    );
  });
  it("does not match inside another word", () => {
    expect(themes("undelivered")).toEqual([]);
    expect(themes("The staffing agency")).toEqual(["staff"]);
    expect(themes("supportive")).toEqual(["support"]);
  });
  it("uses a configured taxonomy instead of the defaults", () => {
    const custom = createThemeMatcher({ onboarding: ["onboarding", "setup"] });
    expect(custom("Setup took a week; the price is fine")).toEqual(["onboarding"]);
  });
  it("ships the documented default themes", () => {
    expect(Object.keys(DEFAULT_THEMES)).toEqual(
      expect.arrayContaining(["price", "delivery", "support", "product quality", "usability", "staff", "billing"]),
    );
  });
});

describe("sentiment (VADER)", () => {
  it.each([
    ["Absolutely love it, great service!", "positive"],
    ["Terrible. Waited three weeks and nobody replied.", "negative"],
    ["I received the parcel on Tuesday.", "neutral"],
    ["Support was slow and rude", "mixed"],
  ])("%s → %s", (text, label) => {
    const sentiment = vaderSentiment(text);
    expect(sentiment.label).toBe(label);
    expect(sentiment.score).toBeGreaterThanOrEqual(-1);
    expect(sentiment.score).toBeLessThanOrEqual(1);
  });
  it("analyses a batch in order through the port", async () => {
    const [a, b] = await vaderAnalyzer.analyze(["awful", "wonderful"]);
    expect(a?.label).toBe("negative");
    expect(b?.label).toBe("positive");
  });
});

describe("enrich", () => {
  it("scores, categorises, attaches sentiment, themes and the customer snapshot", () => {
    const record = enrich(
      queued({
        score: 4,
        comment: "Too expensive for what it is",
        customer: { id: "c1", email: "a@example.com" },
        survey: "relationship",
      }),
      {
        sentiment: { label: "negative", score: -0.4 },
        profile: { id: "c1", segment: "smb", annualValue: 1200, currency: "EUR", name: "Ada" },
        themes,
        now,
        stage: "advocate",
      },
    );
    expect(record).toEqual({
      id: "r1",
      type: "nps",
      score: 4,
      scale: { min: 0, max: 10 },
      category: "detractor",
      comment: "Too expensive for what it is",
      sentiment: { label: "negative", score: -0.4 },
      themes: ["price"],
      survey: "relationship",
      channel: null,
      touchpoint: null,
      stage: "advocate",
      customer: {
        id: "c1",
        email: "a@example.com",
        name: "Ada",
        segment: "smb",
        plan: null,
        annualValue: 1200,
        currency: "EUR",
        renewalDate: null,
      },
      submittedAt: "2026-11-22T11:00:00.000Z",
      receivedAt: "2026-11-22T12:00:00.000Z",
      enrichedAt: "2026-11-22T12:00:01.000Z",
      attributes: {},
      locale: null,
    });
  });

  it("leaves sentiment and themes empty without a comment, and the snapshot empty without a profile", () => {
    const record = enrich(queued({ customer: { id: "unknown" } }), {
      sentiment: { label: "positive", score: 1 },
      profile: null,
      stage: null,
      themes,
      now,
    });
    expect(record.sentiment).toBeNull();
    expect(record.themes).toEqual([]);
    expect(record.customer).toEqual({
      id: "unknown",
      segment: null,
      plan: null,
      annualValue: null,
      currency: null,
      renewalDate: null,
    });
  });
});
