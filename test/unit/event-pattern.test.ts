import { describe, expect, it } from "vitest";
import { InvalidEventPatternError, matchesEventPattern, parseEventPattern } from "../../lambdas/core/event-pattern";
import { INVALID_PATTERNS, PATTERN_CASES } from "../support/pattern-cases";

const byOperator = new Map<string, typeof PATTERN_CASES>();
for (const row of PATTERN_CASES) byOperator.set(row[0], [...(byOperator.get(row[0]) ?? []), row]);

for (const [operator, rows] of byOperator) {
  describe(`event patterns: ${operator}`, () => {
    it.each(rows.map(([, what, pattern, event, expected]) => ({ what, pattern, event, expected })))(
      "$what → $expected",
      ({ pattern, event, expected }) => {
        expect(matchesEventPattern(parseEventPattern(pattern), event)).toBe(expected);
      },
    );
  });
}

describe("invalid event patterns", () => {
  it.each(INVALID_PATTERNS)("rejects %s", (_, pattern) => {
    expect(() => parseEventPattern(pattern as object)).toThrow(InvalidEventPatternError);
  });
});
