import type { ErrorDetail } from "./errors";

/**
 * What intake may accept is what SQS can carry and DynamoDB can store, checked on the parsed JSON
 * before anything else reads it, so an accepted body is never lost downstream:
 * - nesting at most `MAX_DEPTH` deep (deeper bodies overflow recursive readers such as JSON.stringify);
 * - no `__proto__`, `constructor` or `prototype` keys (the DynamoDB marshaller reads `constructor`
 *   to tell a map from a class instance, and JavaScript objects give all three special meaning);
 * - text only of characters SQS accepts (XML 1.0: tab, LF, CR, U+0020–U+D7FF, U+E000–U+FFFD,
 *   U+10000–U+10FFFF; so no lone surrogates, control characters or U+FFFE/U+FFFF);
 * - numbers the SDK marshals exactly (magnitude at most 2^53 − 1) and DynamoDB keeps (0, or at least 1e-130).
 */
export const MAX_DEPTH = 16;
const RESERVED_KEYS = new Set(["__proto__", "constructor", "prototype"]);
const UNSENDABLE = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const SMALLEST = 1e-130;
/** Enough to name what is wrong without answering with a problem per character of a hostile body. */
const MAX_PROBLEMS = 10;

function numberProblem(value: number): string | null {
  if (!Number.isFinite(value)) return "must be a finite number";
  const magnitude = Math.abs(value);
  if (magnitude > Number.MAX_SAFE_INTEGER) return "must be at most 9007199254740991 (2^53 − 1) in magnitude";
  if (magnitude !== 0 && magnitude < SMALLEST) return "must be 0 or at least 1e-130 in magnitude";
  return null;
}

const join = (path: string, key: string | number) => (path ? `${path}.${key}` : String(key));

/** Every reason `value` could not be queued and stored, by path (at most ten); empty when it can. */
export function storableProblems(value: unknown, prefix = ""): ErrorDetail[] {
  const problems: ErrorDetail[] = [];
  // An explicit stack: a hostile body must not overflow the checker that guards against it.
  const pending: { value: unknown; path: string; depth: number }[] = [{ value, path: prefix, depth: 0 }];
  while (pending.length > 0 && problems.length < MAX_PROBLEMS) {
    const { value: current, path, depth } = pending.pop() as (typeof pending)[number];
    const at = path || "body";
    if (typeof current === "string") {
      if (UNSENDABLE.test(current))
        problems.push({ path: at, message: "contains a character that cannot be stored (control or lone surrogate)" });
    } else if (typeof current === "number") {
      const problem = numberProblem(current);
      if (problem) problems.push({ path: at, message: problem });
    } else if (current !== null && typeof current === "object") {
      if (depth >= MAX_DEPTH) {
        problems.push({ path: at, message: `is nested more than ${MAX_DEPTH} levels deep` });
        continue;
      }
      const entries = Array.isArray(current) ? current.entries() : Object.entries(current);
      for (const [key, child] of entries) {
        if (typeof key === "string") {
          if (RESERVED_KEYS.has(key)) problems.push({ path: join(path, key), message: "is a reserved name" });
          else if (UNSENDABLE.test(key))
            problems.push({ path: join(path, key), message: "the name contains a character that cannot be stored" });
        }
        pending.push({ value: child, path: join(path, key), depth: depth + 1 });
      }
    }
  }
  return problems;
}
