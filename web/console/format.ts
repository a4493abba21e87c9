import type { Interval } from "./api-types";

/** Shown wherever there is no value (no responses, no score). */
export const NONE = "—";

/** A score exactly as the API rounded it (up to 2 decimals), so the console and the API never disagree. */
export const formatScore = (score: number | null | undefined) =>
  score === null || score === undefined ? NONE : String(score);

/** "12.3 to 30.1", or — when the API gave no interval (too few answers). */
export const formatRange = (interval: Interval | undefined) =>
  interval ? `${String(interval.low)} to ${String(interval.high)}` : NONE;

export const formatInterval = (interval: Interval | undefined) =>
  interval ? `95% interval ${formatRange(interval)}` : null;

/** "+3.2", "−1.5" or "0": U+2212 MINUS SIGN reads better than a hyphen and screen readers say "minus". */
export function formatSigned(points: number | null) {
  if (points === null) return NONE;
  if (points === 0) return "0";
  return points > 0 ? `+${String(points)}` : `−${String(-points)}`;
}

export const formatChange = (points: number | null) => {
  if (points === null) return null;
  return points === 0 ? "no change" : formatSigned(points);
};

const count = new Intl.NumberFormat();
export const formatCount = (value: number) => count.format(value);

/** "1 customer", "12 customers". */
export const countOf = (value: number, one: string, many: string) =>
  `${formatCount(value)} ${value === 1 ? one : many}`;

export const formatPercent = (value: number | null) => (value === null ? NONE : `${String(value)}%`);

export function formatMoney(amount: number, currency: string | null) {
  try {
    if (currency !== null)
      return new Intl.NumberFormat(undefined, { style: "currency", currency, maximumFractionDigits: 0 }).format(amount);
  } catch {
    // Not an ISO 4217 code (an import may say "unknown"): fall through to the bare number.
  }
  return `${count.format(Math.round(amount))}${currency === null ? "" : ` ${currency}`}`;
}

/** Instants are shown in the viewer's own time zone. */
const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
export const formatDateTime = (iso: string) => {
  const instant = new Date(iso);
  return Number.isNaN(instant.getTime()) ? iso : dateTime.format(instant);
};

/** Calendar days (`YYYY-MM-DD`) are the API's days, so they are formatted as they are, not shifted into a time zone. */
const calendarDay = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeZone: "UTC" });
export const formatDay = (day: string) => {
  const midnight = new Date(`${day.slice(0, 10)}T00:00:00Z`);
  return Number.isNaN(midnight.getTime()) ? day : calendarDay.format(midnight);
};

function duration(ms: number) {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.round(minutes / 60);
  return hours < 48 ? `${hours} h` : `${Math.round(hours / 24)} d`;
}

/** "due in 5 h" or "overdue by 2 h", from `now`. */
export function slaCountdown(dueAt: string, now: number) {
  const left = new Date(dueAt).getTime() - now;
  return left >= 0 ? `due in ${duration(left)}` : `overdue by ${duration(-left)}`;
}

/** `YYYY-MM-DD` of a local date: what a date input holds. */
export function isoDay(date: Date) {
  const pad = (value: number) => String(value).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** The day `days` after `day` (negative: before). */
export function addDays(day: string, days: number) {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}
