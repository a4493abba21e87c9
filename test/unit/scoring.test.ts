import { describe, expect, it } from "vitest";
import { categorize, cesCategory, csatCategory, npsCategory, scaleProblem } from "../../lambdas/core/scoring";

describe("NPS categories", () => {
  it.each([
    [0, "detractor"],
    [6, "detractor"],
    [7, "passive"],
    [8, "passive"],
    [9, "promoter"],
    [10, "promoter"],
  ])("%i is a %s", (score, category) => {
    expect(npsCategory(score)).toBe(category);
  });
});

describe("CSAT categories (top two boxes satisfied, bottom two dissatisfied)", () => {
  it.each([
    [1, "dissatisfied"],
    [2, "dissatisfied"],
    [3, "neutral"],
    [4, "satisfied"],
    [5, "satisfied"],
  ])("%i on 1-5 is %s", (score, category) => {
    expect(csatCategory(score, { min: 1, max: 5 })).toBe(category);
  });
  it.each([
    [0, "dissatisfied"],
    [1, "dissatisfied"],
    [2, "neutral"],
    [8, "neutral"],
    [9, "satisfied"],
    [10, "satisfied"],
  ])("%i on 0-10 is %s", (score, category) => {
    expect(csatCategory(score, { min: 0, max: 10 })).toBe(category);
  });
});

describe("CES categories", () => {
  it.each([
    [1, "hard"],
    [3, "hard"],
    [4, "neutral"],
    [5, "easy"],
    [7, "easy"],
  ])("%i on 1-7 is %s", (score, category) => {
    expect(cesCategory(score, { min: 1, max: 7 })).toBe(category);
  });
  it.each([
    [1, "hard"],
    [2, "hard"],
    [3, "neutral"],
    [4, "easy"],
    [5, "easy"],
  ])("%i on 1-5 is %s", (score, category) => {
    expect(cesCategory(score, { min: 1, max: 5 })).toBe(category);
  });
});

describe("categorize", () => {
  it("has no category for unscored types or missing scores", () => {
    expect(categorize("comment", null, null)).toBeNull();
    expect(categorize("review", 4, { min: 1, max: 5 })).toBeNull();
    expect(categorize("nps", null, { min: 0, max: 10 })).toBeNull();
  });
  it("dispatches on type", () => {
    expect(categorize("nps", 9, { min: 0, max: 10 })).toBe("promoter");
    expect(categorize("csat", 2, { min: 1, max: 5 })).toBe("dissatisfied");
    expect(categorize("ces", 2, { min: 1, max: 7 })).toBe("hard");
  });
});

describe("scales", () => {
  it("accepts 0-10 only for NPS, 1-7 and 1-5 for CES, any 3+ point scale for CSAT", () => {
    expect(scaleProblem("nps", { min: 0, max: 10 })).toBeNull();
    expect(scaleProblem("nps", { min: 1, max: 10 })).toMatch(/0-10/);
    expect(scaleProblem("ces", { min: 1, max: 7 })).toBeNull();
    expect(scaleProblem("ces", { min: 1, max: 5 })).toBeNull();
    expect(scaleProblem("ces", { min: 0, max: 7 })).toMatch(/1-7 or 1-5/);
    expect(scaleProblem("csat", { min: 1, max: 3 })).toBeNull();
    expect(scaleProblem("csat", { min: 1, max: 10 })).toBeNull();
  });
});
