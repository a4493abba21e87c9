/**
 * EventBridge event-pattern matching, following AWS's content-filtering rules.
 * Used by the follow-up rules (to tell which rule a response matched), the
 * `rules test` command, and the local runtime's EventBridge stand-in.
 */
export type EventPattern = { [key: string]: unknown };

export class InvalidEventPatternError extends Error {
  override name = "InvalidEventPatternError";
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === "object" && !Array.isArray(value);

const OPERATORS = new Set([
  "prefix",
  "suffix",
  "anything-but",
  "numeric",
  "exists",
  "equals-ignore-case",
  "wildcard",
  "cidr",
]);

function fail(path: string, message: string): never {
  throw new InvalidEventPatternError(`Event pattern is not valid at ${path || "(root)"}: ${message}`);
}

function validateNumeric(range: unknown, path: string) {
  if (!Array.isArray(range) || range.length === 0 || range.length > 4)
    fail(path, "numeric expects [op, number] or [op, number, op, number]");
  const ops = ["<", "<=", "=", ">", ">="];
  for (let i = 0; i < range.length; i += 2) {
    if (!ops.includes(range[i] as string)) fail(path, `unknown numeric operator ${JSON.stringify(range[i])}`);
    if (typeof range[i + 1] !== "number") fail(path, "numeric values must be numbers");
  }
  if (range.length === 4) {
    const lower = [">", ">="].includes(range[0] as string) && ["<", "<="].includes(range[2] as string);
    if (!lower || (range[1] as number) >= (range[3] as number))
      fail(path, "numeric range must be a lower then an upper bound");
  }
}

function validateMatcher(matcher: unknown, path: string) {
  if (!isObject(matcher)) return;
  const keys = Object.keys(matcher);
  if (keys.length !== 1) fail(path, "a matcher object has exactly one operator");
  const [op] = keys as [string];
  const value = matcher[op];
  if (!OPERATORS.has(op)) fail(path, `unrecognized match type ${op}`);
  switch (op) {
    case "prefix":
    case "suffix":
      if (typeof value === "string") return;
      if (isObject(value) && typeof value["equals-ignore-case"] === "string" && Object.keys(value).length === 1) return;
      return fail(path, `${op} expects a string`);
    case "equals-ignore-case":
    case "wildcard":
    case "cidr":
      if (typeof value !== "string") fail(path, `${op} expects a string`);
      return;
    case "exists":
      if (typeof value !== "boolean") fail(path, "exists expects true or false");
      return;
    case "numeric":
      return validateNumeric(value, path);
    case "anything-but": {
      const ok = (v: unknown) => typeof v === "string" || typeof v === "number";
      if (ok(value)) return;
      if (Array.isArray(value) && value.length > 0 && value.every(ok)) return;
      if (isObject(value) && Object.keys(value).length === 1) {
        const [inner] = Object.keys(value) as [string];
        const innerValue = value[inner];
        if (
          ["prefix", "suffix", "wildcard"].includes(inner) &&
          (typeof innerValue === "string" ||
            (Array.isArray(innerValue) && innerValue.every((v) => typeof v === "string")))
        )
          return;
        if (
          inner === "equals-ignore-case" &&
          (typeof innerValue === "string" ||
            (Array.isArray(innerValue) && innerValue.every((v) => typeof v === "string")))
        )
          return;
      }
      return fail(
        path,
        "anything-but expects a value, a list of values, or {prefix|suffix|equals-ignore-case|wildcard}",
      );
    }
  }
}

function validate(pattern: unknown, path: string) {
  if (!isObject(pattern)) fail(path, "a pattern level must be a JSON object");
  for (const [key, value] of Object.entries(pattern)) {
    const here = path ? `${path}.${key}` : key;
    if (key === "$or") {
      if (!Array.isArray(value) || value.length < 2) fail(here, "$or expects an array of at least two patterns");
      for (const [i, sub] of value.entries()) validate(sub, `${here}[${i}]`);
    } else if (Array.isArray(value)) {
      if (value.length === 0) fail(here, "match values must not be empty");
      for (const matcher of value) validateMatcher(matcher, here);
    } else if (isObject(value)) validate(value, here);
    else fail(here, "leaf values must be arrays of match values");
  }
}

/** Parses and validates a pattern as EventBridge does, so a bad rule fails loudly instead of never matching. */
export function parseEventPattern(input: string | object): EventPattern {
  let pattern: unknown = input;
  if (typeof input === "string") {
    try {
      pattern = JSON.parse(input);
    } catch {
      throw new InvalidEventPatternError("Event pattern is not valid JSON");
    }
  }
  validate(pattern, "");
  return pattern as EventPattern;
}

const wildcardRegex = (pattern: string) =>
  new RegExp(
    `^${pattern
      .split(/(\\\*|\*)/)
      .map((part) => (part === "*" ? ".*" : part === "\\*" ? "\\*" : part.replace(/[.+?^${}()|[\]\\]/g, "\\$&")))
      .join("")}$`,
    "s",
  );

function numericMatches(range: unknown[], value: number) {
  for (let i = 0; i < range.length; i += 2) {
    const bound = range[i + 1] as number;
    const ok =
      range[i] === "<"
        ? value < bound
        : range[i] === "<="
          ? value <= bound
          : range[i] === "="
            ? value === bound
            : range[i] === ">"
              ? value > bound
              : value >= bound;
    if (!ok) return false;
  }
  return true;
}

function ipv4ToInt(ip: string): number | null {
  const parts = ip.split(".");
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) return null;
  return parts.reduce((acc, p) => acc * 256 + Number(p), 0);
}

function cidrMatches(cidr: string, value: string) {
  const [base, bits] = cidr.split("/");
  const baseInt = ipv4ToInt(base ?? "");
  const valueInt = ipv4ToInt(value);
  const size = Number(bits);
  if (baseInt === null || valueInt === null || !Number.isInteger(size) || size < 0 || size > 32) return false;
  const block = 2 ** (32 - size);
  return Math.floor(baseInt / block) === Math.floor(valueInt / block);
}

/** One matcher against one scalar value of the event (never called for a missing field except exists/anything-but). */
function scalarMatches(matcher: unknown, value: unknown): boolean {
  if (!isObject(matcher)) {
    if (matcher === null) return value === null;
    if (typeof matcher === "number") return typeof value === "number" && value === matcher;
    return value === matcher;
  }
  const [op] = Object.keys(matcher) as [string];
  const arg = matcher[op];
  switch (op) {
    case "prefix":
      if (typeof value !== "string") return false;
      return isObject(arg)
        ? value.toLowerCase().startsWith(String(arg["equals-ignore-case"]).toLowerCase())
        : value.startsWith(arg as string);
    case "suffix":
      if (typeof value !== "string") return false;
      return isObject(arg)
        ? value.toLowerCase().endsWith(String(arg["equals-ignore-case"]).toLowerCase())
        : value.endsWith(arg as string);
    case "equals-ignore-case":
      return typeof value === "string" && value.toLowerCase() === (arg as string).toLowerCase();
    case "wildcard":
      return typeof value === "string" && wildcardRegex(arg as string).test(value);
    case "numeric":
      return typeof value === "number" && numericMatches(arg as unknown[], value);
    case "cidr":
      return typeof value === "string" && cidrMatches(arg as string, value);
    case "anything-but": {
      if (isObject(arg)) {
        const [inner] = Object.keys(arg) as [string];
        const innerValues = ([] as unknown[]).concat(arg[inner]).map(String);
        if (typeof value !== "string") return inner !== "equals-ignore-case" || value !== null;
        const lower = value.toLowerCase();
        if (inner === "prefix") return !innerValues.some((p) => value.startsWith(p));
        if (inner === "suffix") return !innerValues.some((s) => value.endsWith(s));
        if (inner === "wildcard") return !innerValues.some((w) => wildcardRegex(w).test(value));
        return !innerValues.some((v) => v.toLowerCase() === lower);
      }
      const excluded = Array.isArray(arg) ? arg : [arg];
      return !excluded.some((excludedValue) => excludedValue === value);
    }
    default:
      return false;
  }
}

/**
 * Matches a field's value against the pattern's list of matchers (OR). An array
 * in the event matches when any element matches. A missing field matches only
 * `{"exists": false}`; `exists` is about leaf values, so an object never "exists".
 */
function fieldMatches(matchers: unknown[], present: boolean, value: unknown): boolean {
  return matchers.some((matcher) => {
    if (isObject(matcher) && "exists" in matcher) {
      const exists = present && !isObject(value) && !(Array.isArray(value) && value.length === 0);
      return matcher.exists === exists;
    }
    if (!present || isObject(value)) return false;
    if (Array.isArray(value)) {
      if (isObject(matcher) && "anything-but" in matcher)
        return value.length > 0 && value.every((v) => scalarMatches(matcher, v));
      return value.some((element) => scalarMatches(matcher, element));
    }
    return scalarMatches(matcher, value);
  });
}

export function matchesEventPattern(pattern: EventPattern, event: unknown): boolean {
  return Object.entries(pattern).every(([key, expected]) => {
    if (key === "$or") return (expected as EventPattern[]).some((sub) => matchesEventPattern(sub, event));
    const present = isObject(event) && key in event;
    const value = present ? (event as Record<string, unknown>)[key] : undefined;
    if (Array.isArray(expected)) return fieldMatches(expected, present, value);
    // A nested pattern over an array of objects matches if any element matches.
    if (Array.isArray(value))
      return value.some((element) => isObject(element) && matchesEventPattern(expected as EventPattern, element));
    return matchesEventPattern(expected as EventPattern, isObject(value) ? value : undefined);
  });
}
