/**
 * EventBridge event-pattern validation and matching, following AWS's content-filtering rules
 * ("Content filtering in Amazon EventBridge event patterns", "Comparison operators", "Arrays in
 * event patterns", "Matching null values and empty strings") and, where the docs are silent, the
 * behaviour of aws/event-ruler, the open-source engine behind EventBridge:
 *
 * - A pattern is a JSON object; every leaf is a non-empty array of matchers, OR-ed together;
 *   sibling fields are AND-ed; `$or` takes two or more sub-patterns at any level.
 * - The event is seen as its leaves: a field that holds an object has no value of its own, an
 *   array's elements (arrays inside arrays too) are each a value of the field, an empty array has
 *   none. A leaf matcher matches when any of the field's values matches it.
 * - Fields matched inside an array of objects must all come from the same element.
 * - A missing field matches only `{"exists": false}`: not `[null]`, not anything-but.
 */
export type EventPattern = Record<string, unknown>;

export class InvalidEventPatternError extends Error {
  override name = "InvalidEventPatternError";
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  value !== null && typeof value === "object" && !Array.isArray(value);

const OPERATORS = ["prefix", "suffix", "anything-but", "numeric", "exists", "equals-ignore-case", "wildcard", "cidr"];

/** Numeric matching is limited to ±5e9 with six digits after the decimal point (the docs and event-ruler). */
const NUMERIC_LIMIT = 5e9;
const NUMERIC_DECIMALS = 6;

function invalid(path: string, reason: string): never {
  throw new InvalidEventPatternError(`Event pattern is not valid. Reason: ${reason}${path ? ` (at ${path})` : ""}`);
}

function decimalPlaces(value: number): number {
  const [mantissa = "", exponent = "0"] = String(value).toLowerCase().split("e");
  const fraction = mantissa.split(".")[1]?.length ?? 0;
  return Math.max(0, fraction - Number(exponent));
}

/** Whether a number can take part in numeric comparisons at all. */
const isComparable = (value: number) =>
  Number.isFinite(value) && Math.abs(value) <= NUMERIC_LIMIT && decimalPlaces(value) <= NUMERIC_DECIMALS;

function checkComparable(value: unknown, path: string, what: string): number {
  if (typeof value !== "number") invalid(path, `${what} must be numeric`);
  if (!Number.isFinite(value) || Math.abs(value) > NUMERIC_LIMIT)
    invalid(path, `Value must be between -5000000000 and 5000000000, inclusive (got ${value})`);
  if (decimalPlaces(value) > NUMERIC_DECIMALS)
    invalid(path, `Only values upto 6 decimals are supported (got ${value})`);
  return value;
}

// ---------------------------------------------------------------------------------------------
// Wildcards: `*` matches any run of characters (including none); `\*` is a literal star and `\\`
// a literal backslash. Two wildcards in a row and any other escape are rejected (event-ruler).

function wildcardRegex(pattern: string, path: string): RegExp {
  let source = "";
  let previousWasWildcard = false;
  for (let i = 0; i < pattern.length; i += 1) {
    const char = pattern[i] as string;
    if (char === "\\") {
      const next = pattern[i + 1];
      if (next !== "*" && next !== "\\")
        invalid(path, `wildcard "${pattern}": a backslash may only escape "*" or "\\" (position ${i})`);
      source += `\\${next}`;
      i += 1;
      previousWasWildcard = false;
    } else if (char === "*") {
      if (previousWasWildcard)
        invalid(path, `wildcard "${pattern}": consecutive wildcard characters are not allowed (position ${i})`);
      source += "[\\s\\S]*";
      previousWasWildcard = true;
    } else {
      source += char.replace(/[.+?^${}()|[\]\\/-]/g, "\\$&");
      previousWasWildcard = false;
    }
  }
  return new RegExp(`^${source}$`);
}

const wildcardCache = new Map<string, RegExp>();
function wildcardMatches(pattern: string, value: string): boolean {
  let regex = wildcardCache.get(pattern);
  if (!regex) {
    regex = wildcardRegex(pattern, "");
    wildcardCache.set(pattern, regex);
  }
  return regex.test(value);
}

// ---------------------------------------------------------------------------------------------
// IP addresses (IPv4 and IPv6) for `cidr`.

interface Address {
  version: 4 | 6;
  value: bigint;
}

function parseIpv4(text: string): bigint | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  let value = 0n;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return null;
    value = value * 256n + BigInt(part);
  }
  return value;
}

function parseIpv6(text: string): bigint | null {
  if (!/^[0-9a-fA-F:.]+$/.test(text)) return null;
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const groups = (half: string | undefined) => (half ? half.split(":") : []);
  const head = groups(halves[0]);
  const tail = groups(halves[1]);
  const words: number[] = [];
  const pushGroups = (list: string[], into: number[]) => {
    for (const [index, group] of list.entries()) {
      if (group.includes(".")) {
        // An embedded IPv4 address, only as the last group.
        const v4 = parseIpv4(group);
        if (v4 === null || index !== list.length - 1) return false;
        into.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return false;
        into.push(Number.parseInt(group, 16));
      }
    }
    return true;
  };
  const headWords: number[] = [];
  const tailWords: number[] = [];
  if (!pushGroups(head, headWords) || !pushGroups(tail, tailWords)) return null;
  if (halves.length === 1) {
    if (headWords.length !== 8) return null;
    words.push(...headWords);
  } else {
    const missing = 8 - headWords.length - tailWords.length;
    if (missing < 1) return null;
    words.push(...headWords, ...new Array<number>(missing).fill(0), ...tailWords);
  }
  return words.reduce((acc, word) => (acc << 16n) | BigInt(word), 0n);
}

function parseAddress(text: string): Address | null {
  const v4 = parseIpv4(text);
  if (v4 !== null) return { version: 4, value: v4 };
  const v6 = text.includes(":") ? parseIpv6(text) : null;
  return v6 === null ? null : { version: 6, value: v6 };
}

interface Cidr {
  version: 4 | 6;
  first: bigint;
  last: bigint;
}

function parseCidr(text: string): Cidr | null {
  const slash = text.lastIndexOf("/");
  if (slash < 0) return null;
  const address = parseAddress(text.slice(0, slash));
  const bitsText = text.slice(slash + 1);
  if (!address || !/^\d{1,3}$/.test(bitsText)) return null;
  const width = address.version === 4 ? 32 : 128;
  const bits = Number(bitsText);
  if (bits > width) return null;
  const hostBits = BigInt(width - bits);
  const first = (address.value >> hostBits) << hostBits;
  return { version: address.version, first, last: first + (1n << hostBits) - 1n };
}

const cidrCache = new Map<string, Cidr | null>();
function cidrMatches(cidr: string, value: string): boolean {
  if (!cidrCache.has(cidr)) cidrCache.set(cidr, parseCidr(cidr));
  const range = cidrCache.get(cidr);
  const address = parseAddress(value);
  return (
    !!range &&
    !!address &&
    address.version === range.version &&
    address.value >= range.first &&
    address.value <= range.last
  );
}

// ---------------------------------------------------------------------------------------------
// Validation, mirroring the checks (and, loosely, the messages) of EventBridge's pattern compiler.

const isStringList = (value: unknown): value is string[] =>
  Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === "string");

function validateNumericRange(range: unknown, path: string) {
  if (!Array.isArray(range)) invalid(path, "Value of numeric must be an array.");
  const [first, firstValue, second, secondValue, ...rest] = range as unknown[];
  const lower = [">", ">="];
  const upper = ["<", "<="];
  if (typeof first !== "string" || ![...lower, ...upper, "="].includes(first))
    invalid(path, `Unrecognized numeric range operator: ${JSON.stringify(first)}`);
  const bottom = checkComparable(firstValue, path, `Value of ${first}`);
  if (range.length === 2) return;
  if (!lower.includes(first) || range.length !== 4 || rest.length > 0)
    invalid(path, 'numeric takes [op, number] or a lower then an upper bound: [">"|">=", n, "<"|"<=", m]');
  if (typeof second !== "string" || !upper.includes(second))
    invalid(path, `Bad numeric range operator: ${JSON.stringify(second)}`);
  const top = checkComparable(secondValue, path, `Value of ${second}`);
  if (bottom >= top) invalid(path, `Bottom must be less than top in numeric range [${range.join(", ")}]`);
}

function validateAnythingBut(value: unknown, path: string) {
  if (typeof value === "string") return;
  if (typeof value === "number") {
    checkComparable(value, path, "anything-but value");
    return;
  }
  if (Array.isArray(value)) {
    if (value.length === 0) invalid(path, "anything-but must not be an empty list");
    const strings = value.every((v) => typeof v === "string");
    const numbers = value.every((v) => typeof v === "number");
    if (!strings && !numbers) {
      if (value.some((v) => v === null || typeof v === "boolean" || typeof v === "object"))
        invalid(path, "Inside anything but list, start|null|boolean is not supported.");
      invalid(path, "Inside anything but list, either all values are number or string, mixed type is not supported");
    }
    if (numbers) for (const n of value) checkComparable(n, path, "anything-but value");
    return;
  }
  if (isObject(value)) {
    const keys = Object.keys(value);
    if (keys.length !== 1)
      invalid(path, "anything-but takes exactly one of prefix, suffix, equals-ignore-case, wildcard");
    const [op] = keys as [string];
    const operand = value[op];
    if (!["prefix", "suffix", "equals-ignore-case", "wildcard"].includes(op))
      invalid(path, `Unsupported anything-but pattern: ${op}`);
    if (typeof operand !== "string" && !isStringList(operand))
      invalid(path, `anything-but ${op} must be a string or a non-empty list of strings`);
    const operands = typeof operand === "string" ? [operand] : operand;
    if ((op === "prefix" || op === "suffix") && operands.some((o) => o === ""))
      invalid(path, "Null prefix/suffix not allowed");
    if (op === "wildcard") for (const o of operands) wildcardRegex(o, path);
    return;
  }
  invalid(path, "Value of anything-but must be an array or single string/number value.");
}

function validateMatcher(matcher: unknown, path: string) {
  if (matcher === null || ["string", "number", "boolean"].includes(typeof matcher)) return;
  if (!isObject(matcher)) invalid(path, "Match value must be String, number, true, false, or null");
  const keys = Object.keys(matcher);
  if (keys.length === 0) invalid(path, "Match expression name not found");
  if (keys.length > 1) invalid(path, `Only one key allowed in match expression, got ${keys.join(", ")}`);
  const [op] = keys as [string];
  const operand = matcher[op];
  switch (op) {
    case "prefix":
    case "suffix":
      if (typeof operand === "string") return;
      if (isObject(operand) && Object.keys(operand).length === 1 && typeof operand["equals-ignore-case"] === "string")
        return;
      return invalid(path, `${op} match pattern must be a string or {"equals-ignore-case": string}`);
    case "equals-ignore-case":
      if (typeof operand !== "string") invalid(path, "equals-ignore-case match pattern must be a string");
      return;
    case "wildcard":
      if (typeof operand !== "string") invalid(path, "wildcard match pattern must be a string");
      wildcardRegex(operand, path);
      return;
    case "cidr":
      if (typeof operand !== "string" || !parseCidr(operand))
        invalid(path, `cidr must be an IPv4 or IPv6 block such as "10.0.0.0/24", got ${JSON.stringify(operand)}`);
      return;
    case "exists":
      if (typeof operand !== "boolean") invalid(path, "exists match pattern must be either true or false.");
      return;
    case "numeric":
      return validateNumericRange(operand, path);
    case "anything-but":
      return validateAnythingBut(operand, path);
    default:
      invalid(path, `Unrecognized match type ${op}`);
  }
}

function validateObject(pattern: unknown, path: string, insideOr: boolean) {
  if (!isObject(pattern)) invalid(path, path ? "$or branches must be JSON objects" : "Filter is not an object");
  const entries = Object.entries(pattern);
  if (entries.length === 0) invalid(path, "Empty objects are not allowed");
  for (const [key, value] of entries) {
    const here = path ? `${path}.${key}` : key;
    if (key === "$or") {
      if (!Array.isArray(value)) invalid(here, "It must be an Array followed with $or.");
      if (value.length < 2) invalid(here, "There must have at least 2 Objects in $or relationship.");
      for (const [i, branch] of value.entries()) {
        if (!isObject(branch)) invalid(`${here}[${i}]`, "Only JSON object is allowed in array of $or relationship.");
        validateObject(branch, `${here}[${i}]`, true);
      }
      continue;
    }
    if (insideOr && OPERATORS.includes(key))
      invalid(here, `${key} is Ruler reserved fieldName which cannot be used inside $or.`);
    if (Array.isArray(value)) {
      if (value.length === 0) invalid(here, "Empty arrays are not allowed");
      for (const matcher of value) validateMatcher(matcher, here);
    } else if (isObject(value)) {
      validateObject(value, here, insideOr);
    } else {
      invalid(here, `"${key}" must be an object or an array`);
    }
  }
}

/**
 * Parses and validates a pattern as EventBridge does (PutRule / TestEventPattern would answer
 * InvalidEventPatternException), so a bad rule fails loudly instead of never matching.
 */
export function parseEventPattern(json: string | object): EventPattern {
  let pattern: unknown = json;
  if (typeof json === "string") {
    try {
      pattern = JSON.parse(json);
    } catch (error) {
      throw new InvalidEventPatternError(
        `Event pattern is not valid. Reason: not valid JSON (${(error as Error).message})`,
      );
    }
  }
  validateObject(pattern, "", false);
  return pattern as EventPattern;
}

// ---------------------------------------------------------------------------------------------
// Matching.

/** The values a field holds as leaves: scalars, with arrays (at any depth) crushed and objects dropped. */
function leavesOf(value: unknown, out: unknown[] = []): unknown[] {
  if (Array.isArray(value)) for (const element of value) leavesOf(element, out);
  else if (!isObject(value) && value !== undefined) out.push(value);
  return out;
}

/** The objects an event node stands for: itself, or the objects in an array (at any depth). */
function objectsOf(value: unknown, out: Json[] = []): Json[] {
  if (Array.isArray(value)) for (const element of value) objectsOf(element, out);
  else if (isObject(value)) out.push(value);
  return out;
}

const lower = (text: string) => text.toLowerCase();

function numericMatches(range: unknown[], value: number) {
  if (!isComparable(value)) return false;
  for (let i = 0; i < range.length; i += 2) {
    const bound = range[i + 1] as number;
    const op = range[i];
    const ok =
      op === "<"
        ? value < bound
        : op === "<="
          ? value <= bound
          : op === "="
            ? value === bound
            : op === ">"
              ? value > bound
              : op === ">="
                ? value >= bound
                : false;
    if (!ok) return false;
  }
  return true;
}

/** Whether one value is excluded by an anything-but operand (so anything-but does NOT match it). */
function excludedBy(operand: unknown, value: unknown): boolean {
  if (isObject(operand)) {
    const [op] = Object.keys(operand) as [string];
    const listed = ([] as unknown[]).concat(operand[op]).filter((v): v is string => typeof v === "string");
    // These forms work on strings; a number, boolean or null is never excluded by them.
    if (typeof value !== "string") return false;
    switch (op) {
      case "prefix":
        return listed.some((p) => value.startsWith(p));
      case "suffix":
        return listed.some((s) => value.endsWith(s));
      case "equals-ignore-case":
        return listed.some((v) => lower(v) === lower(value));
      case "wildcard":
        return listed.some((w) => wildcardMatches(w, value));
      default:
        return false;
    }
  }
  const listed = Array.isArray(operand) ? operand : [operand];
  return listed.some((excluded) => excluded === value);
}

/** One (non-exists) matcher against one leaf value of the event. */
function valueMatches(matcher: unknown, value: unknown): boolean {
  if (!isObject(matcher)) return matcher === value; // strings, numbers (numerically), booleans, null; never across types
  const [op] = Object.keys(matcher) as [string];
  const operand = matcher[op];
  switch (op) {
    case "prefix":
      if (typeof value !== "string") return false;
      return isObject(operand)
        ? lower(value).startsWith(lower(String(operand["equals-ignore-case"])))
        : value.startsWith(String(operand));
    case "suffix":
      if (typeof value !== "string") return false;
      return isObject(operand)
        ? lower(value).endsWith(lower(String(operand["equals-ignore-case"])))
        : value.endsWith(String(operand));
    case "equals-ignore-case":
      return typeof value === "string" && lower(value) === lower(String(operand));
    case "wildcard":
      return typeof value === "string" && wildcardMatches(String(operand), value);
    case "cidr":
      return typeof value === "string" && cidrMatches(String(operand), value);
    case "numeric":
      return typeof value === "number" && Array.isArray(operand) && numericMatches(operand, value);
    case "anything-but":
      return !excludedBy(operand, value);
    default:
      return false;
  }
}

/** A field's list of matchers (OR-ed) against the field as the event has it (`undefined` when absent). */
function fieldMatches(matchers: unknown[], value: unknown): boolean {
  const leaves = leavesOf(value);
  return matchers.some((matcher) => {
    if (isObject(matcher) && "exists" in matcher) return matcher.exists === leaves.length > 0;
    return leaves.some((leaf) => valueMatches(matcher, leaf));
  });
}

/** A pattern object against an event node; over an array of objects, one element must satisfy all of it. */
function objectMatches(pattern: EventPattern, node: unknown): boolean {
  const candidates = objectsOf(node);
  if (candidates.length === 0) return fieldsMatch(pattern, undefined);
  return candidates.some((candidate) => fieldsMatch(pattern, candidate));
}

function fieldsMatch(pattern: EventPattern, node: Json | undefined): boolean {
  for (const [key, expected] of Object.entries(pattern)) {
    if (key === "$or" && Array.isArray(expected)) {
      if (!expected.some((branch) => isObject(branch) && fieldsMatch(branch, node))) return false;
      continue;
    }
    const value = node && Object.hasOwn(node, key) ? node[key] : undefined;
    const ok = Array.isArray(expected)
      ? fieldMatches(expected, value)
      : isObject(expected)
        ? objectMatches(expected, value)
        : false;
    if (!ok) return false;
  }
  return true;
}

/** Whether `event` (the whole event: source, detail-type, account, region, detail, …) matches `pattern`. */
export function matchesEventPattern(pattern: EventPattern, event: unknown): boolean {
  return objectMatches(pattern, isObject(event) ? event : undefined);
}
