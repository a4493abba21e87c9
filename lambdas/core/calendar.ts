/**
 * Days in the metrics time zone (UTC unless the stage sets `metricsTimeZone`): which day a
 * response counts in, and which instants a day spans (23 or 25 hours across a DST change).
 */
export const DEFAULT_TIME_ZONE = "UTC";

const dayFormats = new Map<string, Intl.DateTimeFormat>();
const partFormats = new Map<string, Intl.DateTimeFormat>();
const cached = (cache: Map<string, Intl.DateTimeFormat>, timeZone: string, make: () => Intl.DateTimeFormat) => {
  let format = cache.get(timeZone);
  if (!format) {
    format = make();
    cache.set(timeZone, format);
  }
  return format;
};

/** The day (`YYYY-MM-DD`) an instant falls on in the time zone. */
export function dayOf(instant: string | Date, timeZone: string = DEFAULT_TIME_ZONE): string {
  const date = typeof instant === "string" ? new Date(instant) : instant;
  if (timeZone === DEFAULT_TIME_ZONE) return date.toISOString().slice(0, 10);
  const format = cached(
    dayFormats,
    timeZone,
    () => new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }),
  );
  // From the parts, not en-CA's YYYY-MM-DD: it writes the year 1 as `1`, not `0001`.
  const parts = Object.fromEntries(format.formatToParts(date).map((part) => [part.type, part.value]));
  return `${String(parts.year).padStart(4, "0")}-${parts.month}-${parts.day}`;
}

/** Local time minus UTC, in ms, at an instant. */
export function offsetAt(instant: number, timeZone: string): number {
  const format = cached(
    partFormats,
    timeZone,
    () =>
      new Intl.DateTimeFormat("en-US", {
        timeZone,
        hourCycle: "h23",
        year: "numeric",
        month: "2-digit",
        day: "2-digit",
        hour: "2-digit",
        minute: "2-digit",
        second: "2-digit",
      }),
  );
  const parts = Object.fromEntries(format.formatToParts(new Date(instant)).map((part) => [part.type, part.value]));
  // Not Date.UTC: it reads the years 0-99 as 1900-1999, and days of the years 1-99 are storable.
  const local = new Date(0);
  local.setUTCFullYear(Number(parts.year), Number(parts.month) - 1, Number(parts.day));
  local.setUTCHours(Number(parts.hour), Number(parts.minute), Number(parts.second));
  return local.getTime() - (instant - (((instant % 1000) + 1000) % 1000));
}

/** The first instant of a local day: local midnight, or the first hour that exists when DST skips it. */
function startOf(day: string, timeZone: string): number {
  const midnight = Date.parse(`${day}T00:00:00Z`);
  let start = midnight - offsetAt(midnight, timeZone);
  // Once more with the offset at the first guess, in case a DST change lies between.
  start = midnight - offsetAt(start, timeZone);
  return dayOf(new Date(start), timeZone) === day ? start : start + 3_600_000;
}

/** The instants a day spans in the time zone: [from, to), as ISO strings. */
export function dayBounds(day: string, timeZone: string = DEFAULT_TIME_ZONE): { from: string; to: string } {
  const next = new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
  if (timeZone === DEFAULT_TIME_ZONE) return { from: `${day}T00:00:00.000Z`, to: `${next}T00:00:00.000Z` };
  return { from: new Date(startOf(day, timeZone)).toISOString(), to: new Date(startOf(next, timeZone)).toISOString() };
}
