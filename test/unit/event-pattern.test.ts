import { describe, expect, it } from "vitest";
import { InvalidEventPatternError, matchesEventPattern, parseEventPattern } from "../../lambdas/core/event-pattern";
import { ec2, INVALID_PATTERNS, PATTERN_CASES, withDetail } from "../support/pattern-cases";

for (const [operator, rows] of Object.entries(PATTERN_CASES)) {
  describe(`event patterns: ${operator}`, () => {
    it.each(rows)("%s", (_what, pattern, event, expected) => {
      expect(matchesEventPattern(parseEventPattern(pattern), event)).toBe(expected);
    });
  });
}

describe("event patterns: given as JSON text", () => {
  it("parses a string and an object alike", () => {
    const text = '{"source": ["aws.ec2"], "detail": {"state": [{"anything-but": "running"}]}}';
    expect(parseEventPattern(text)).toEqual(JSON.parse(text));
    expect(matchesEventPattern(parseEventPattern(text), ec2)).toBe(true);
  });

  it("uses the last of a repeated key, as the docs note", () => {
    const pattern = parseEventPattern(
      '{"detail": {"location": [{"prefix": "us-"}], "location": [{"anything-but": "us-east"}]}}',
    );
    expect(matchesEventPattern(pattern, withDetail({ location: "eu-west" }))).toBe(true);
    expect(matchesEventPattern(pattern, withDetail({ location: "us-east" }))).toBe(false);
  });

  it("compares numbers by value whatever their notation", () => {
    const event = JSON.parse('{"detail": {"x-limit": 3.0e2, "c-count": 5.0}}');
    expect(matchesEventPattern(parseEventPattern('{"detail": {"x-limit": [300]}}'), event)).toBe(true);
    expect(matchesEventPattern(parseEventPattern('{"detail": {"c-count": [{"numeric": ["=", 5]}]}}'), event)).toBe(
      true,
    );
  });

  it("sees no fields in an event that is not an object", () => {
    expect(matchesEventPattern(parseEventPattern({ source: [{ exists: false }] }), null)).toBe(true);
    expect(matchesEventPattern(parseEventPattern({ source: ["aws.ec2"] }), "aws.ec2")).toBe(false);
  });
});

describe("invalid event patterns", () => {
  it.each(INVALID_PATTERNS)("rejects %s", (_what, pattern) => {
    expect(() => parseEventPattern(pattern)).toThrow(InvalidEventPatternError);
    expect(() => parseEventPattern(pattern)).toThrow(/^Event pattern is not valid\. Reason: /);
  });

  it("says where the pattern is wrong", () => {
    expect(() => parseEventPattern({ detail: { pipeline: { slug: "some-pipeline" } } })).toThrow(
      '"slug" must be an object or an array (at detail.pipeline.slug)',
    );
    expect(() => parseEventPattern({ detail: { n: [{ numeric: [">", 10, "<", 5] }] } })).toThrow(/at detail\.n/);
  });
});
