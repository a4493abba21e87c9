import { validationFailed } from "./client-error";

const DAY_MS = 86_400_000;
/** The longest window one list request may walk (three years of month buckets). */
export const MAX_LIST_DAYS = 1096;
const DEFAULT_DAYS = 366;

/** A date without a time means the whole day: `to=2026-11-22` includes that day. */
const toInstant = (value: string, endOfDay: boolean) =>
  new Date(value.length === 10 ? `${value}T${endOfDay ? "23:59:59.999" : "00:00:00.000"}Z` : value);

/**
 * The instants `GET /v1/responses` lists between: `to` defaults to now, `from` to a year before `to`
 * (or `defaultDays`). Errors name the field under `at` (`query` for a query string, `""` for a body).
 */
export function listWindow(
  query: { from?: string; to?: string },
  now: Date,
  { defaultDays = DEFAULT_DAYS, at = "query" }: { defaultDays?: number; at?: string } = {},
): { from: Date; to: Date } {
  const to = query.to ? toInstant(query.to, true) : now;
  const from = query.from ? toInstant(query.from, false) : new Date(to.getTime() - defaultDays * DAY_MS);
  const fromPath = at ? `${at}.from` : "from";
  if (from > to) throw validationFailed([{ path: fromPath, message: "is after `to`" }]);
  if (to.getTime() - from.getTime() > MAX_LIST_DAYS * DAY_MS)
    throw validationFailed([{ path: fromPath, message: `is more than ${MAX_LIST_DAYS} days before \`to\`` }]);
  return { from, to };
}
