import {
  DIMENSIONS,
  type Dimension,
  type GroupBy,
  MAX_RANGE_DAYS,
  type MetricsReport,
  PERIODS,
  type Period,
} from "../contracts/metrics";
import {
  addStats,
  type CellView,
  type DayAggregate,
  emptyStats,
  type NpsCounts,
  type ScaleCounts,
  type Stats,
  viewOf,
} from "./aggregates";
import { invalid, ok, type Result } from "./validation";

const DAY_MS = 86_400_000;
export const round2 = (n: number) => Math.round(n * 100) / 100;
const percent = (part: number, whole: number) => (whole === 0 ? null : round2((100 * part) / whole));

export interface Window {
  from: string;
  to: string;
}

export const addDays = (day: string, days: number) =>
  new Date(Date.parse(day) + days * DAY_MS).toISOString().slice(0, 10);
export const dayCount = (window: Window) => Math.round((Date.parse(window.to) - Date.parse(window.from)) / DAY_MS) + 1;

/** Every day of the window, oldest first. */
export function daysOf(window: Window): string[] {
  const days: string[] = [];
  for (let day = window.from; day <= window.to; day = addDays(day, 1)) days.push(day);
  return days;
}

/** The window asked for (defaults: the 30 days to today), checked, and the equal-length window just before it. */
export function resolveWindow(
  query: { from?: string; to?: string },
  today: string,
): Result<{ current: Window; previous: Window }> {
  const to = query.to ?? today;
  const from = query.from ?? addDays(to, -29);
  if (from > to) return invalid("from", "must not be after `to`");
  const length = dayCount({ from, to });
  if (length > MAX_RANGE_DAYS) return invalid("from", `the window is at most ${MAX_RANGE_DAYS} days`);
  return ok({ current: { from, to }, previous: { from: addDays(from, -length), to: addDays(from, -1) } });
}

/** The key of the period a day falls in: the day, the Monday of its ISO week, or its month. */
export function periodKey(day: string, period: Period): string {
  if (period === "day") return day;
  if (period === "month") return day.slice(0, 7);
  const weekday = (new Date(day).getUTCDay() + 6) % 7;
  return addDays(day, -weekday);
}

/** NPS as defined: 100 × (promoters − detractors) / n, with the 95% interval 196 × sqrt((p + d − (p − d)²) / n). */
export function npsMetric(counts: NpsCounts) {
  const n = counts.responses;
  const base = {
    responses: n,
    promoters: counts.promoters,
    passives: counts.passives,
    detractors: counts.detractors,
  };
  if (n === 0)
    return { ...base, score: null, promoterPercent: null, detractorPercent: null, ci95: null, halfWidth: null };
  const p = counts.promoters / n;
  const d = counts.detractors / n;
  const score = 100 * (p - d);
  const halfWidth = 196 * Math.sqrt(Math.max(0, p + d - (p - d) ** 2) / n);
  return {
    ...base,
    score: round2(score),
    promoterPercent: round2(100 * p),
    detractorPercent: round2(100 * d),
    ci95: { low: round2(Math.max(-100, score - halfWidth)), high: round2(Math.min(100, score + halfWidth)) },
    halfWidth,
  };
}

/** Half-width, in points, of the 95% interval of a share given as a percentage. */
const shareHalfWidth = (top: number, n: number) => (n === 0 ? null : 196 * Math.sqrt(((top / n) * (1 - top / n)) / n));
const shareInterval = (top: number, n: number) => {
  const half = shareHalfWidth(top, n);
  if (half === null) return null;
  const score = (100 * top) / n;
  return { low: round2(Math.max(0, score - half)), high: round2(Math.min(100, score + half)) };
};
const sumScales = (byScale: Record<string, ScaleCounts>) =>
  Object.values(byScale).reduce(
    (total, counts) => ({
      responses: total.responses + counts.responses,
      top: total.top + counts.top,
      sum: total.sum + counts.sum,
    }),
    { responses: 0, top: 0, sum: 0 },
  );
const byScaleLabel = (a: [string, unknown], b: [string, unknown]) => (a[0] < b[0] ? 1 : a[0] > b[0] ? -1 : 0);

/** CSAT: % of answers in the top two boxes of their scale, and the mean (only when every answer shares one scale). */
export function csatMetric(byScale: Record<string, ScaleCounts>) {
  const answered = Object.entries(byScale).filter(([, counts]) => counts.responses > 0);
  const total = sumScales(byScale);
  return {
    score: percent(total.top, total.responses),
    responses: total.responses,
    satisfied: total.top,
    mean: answered.length === 1 ? round2(total.sum / total.responses) : null,
    ci95: shareInterval(total.top, total.responses),
    byScale: answered.sort(byScaleLabel).map(([scale, counts]) => ({
      scale,
      score: percent(counts.top, counts.responses),
      responses: counts.responses,
      satisfied: counts.top,
      mean: round2(counts.sum / counts.responses),
    })),
    halfWidth: shareHalfWidth(total.top, total.responses),
  };
}

/** CES per scale (never mixed): % easy and the mean. The 1-7 scale is always listed, empty or not. */
export function cesMetrics(byScale: Record<string, ScaleCounts>) {
  const scales: Record<string, ScaleCounts> = { "1-7": { responses: 0, top: 0, sum: 0 }, ...byScale };
  return Object.entries(scales)
    .filter(([scale, counts]) => scale === "1-7" || counts.responses > 0)
    .sort(byScaleLabel)
    .map(([scale, counts]) => ({
      scale,
      score: percent(counts.top, counts.responses),
      responses: counts.responses,
      easy: counts.top,
      mean: counts.responses === 0 ? null : round2(counts.sum / counts.responses),
      ci95: shareInterval(counts.top, counts.responses),
      halfWidth: shareHalfWidth(counts.top, counts.responses),
    }));
}

type Computed = {
  nps: ReturnType<typeof npsMetric>;
  csat: ReturnType<typeof csatMetric>;
  ces: ReturnType<typeof cesMetrics>;
};
const compute = (stats: Stats): Computed => ({
  nps: npsMetric(stats.nps),
  csat: csatMetric(stats.csat),
  ces: cesMetrics(stats.ces),
});
/** The public shape: the interval half-widths kept for the change test are dropped. */
function publicSet({ nps, csat, ces }: Computed) {
  const { halfWidth: _n, ...npsOut } = nps;
  const { halfWidth: _c, ...csatOut } = csat;
  return { nps: npsOut, csat: csatOut, ces: ces.map(({ halfWidth: _e, ...entry }) => entry) };
}

/** Change between periods, flagged when larger than the two periods' intervals combined (root of summed squares). */
function change(now: { score: number | null; halfWidth: number | null }, before: typeof now) {
  if (now.score === null || before.score === null || now.halfWidth === null || before.halfWidth === null)
    return { points: null, ci95: null, significant: false };
  const points = now.score - before.score;
  const combined = Math.sqrt(now.halfWidth ** 2 + before.halfWidth ** 2);
  return { points: round2(points), ci95: round2(combined), significant: Math.abs(points) > combined };
}

export type Filters = Partial<Record<Dimension, string>>;

/** The smallest stored view that answers a query: the one with exactly the dimensions it filters or groups by. */
export function viewFor(filters: Filters, groupBy: GroupBy | null): CellView {
  const involved = new Set(DIMENSIONS.filter((dimension) => filters[dimension] !== undefined));
  if (groupBy !== null && (DIMENSIONS as readonly string[]).includes(groupBy)) involved.add(groupBy as Dimension);
  return viewOf(involved);
}

const matches = (key: Record<Dimension, string | null>, filters: Filters) =>
  DIMENSIONS.every((dimension) => filters[dimension] === undefined || key[dimension] === filters[dimension]);

/** Sums the matching cells of the given days, by group key (`""` when not grouped). */
function collect(days: readonly DayAggregate[], filters: Filters, groupBy: GroupBy | null) {
  const groups = new Map<string | null, Stats>();
  for (const day of days)
    for (const cell of day.cells) {
      if (!matches(cell.key, filters)) continue;
      const key =
        groupBy === null
          ? ""
          : (PERIODS as readonly string[]).includes(groupBy)
            ? periodKey(day.day, groupBy as Period)
            : cell.key[groupBy as Dimension];
      groups.set(key, addStats(groups.get(key) ?? emptyStats(), cell.stats));
    }
  return groups;
}

/**
 * `GET /v1/metrics` from day aggregates only: its cost grows with days × the cells of the view read, not with responses.
 * Period groups list every period of the window (empty ones too); dimension groups, the values seen, largest first.
 */
export function computeMetrics(input: {
  window: Window;
  previousWindow: Window;
  filters: Filters;
  groupBy: GroupBy | null;
  days: readonly DayAggregate[];
  previousDays: readonly DayAggregate[];
}): MetricsReport {
  const { window, previousWindow, filters, groupBy } = input;
  const inWindow = (range: Window) => (day: DayAggregate) => day.day >= range.from && day.day <= range.to;
  const days = input.days.filter(inWindow(window));
  const current = compute(collect(days, filters, null).get("") ?? emptyStats());
  const previous = compute(
    collect(input.previousDays.filter(inWindow(previousWindow)), filters, null).get("") ?? emptyStats(),
  );

  let groups: MetricsReport["groups"] = [];
  if (groupBy !== null) {
    const byKey = collect(days, filters, groupBy);
    if ((PERIODS as readonly string[]).includes(groupBy)) {
      const keys = [...new Set(daysOf(window).map((day) => periodKey(day, groupBy as Period)))];
      groups = keys.map((key) => ({ key, ...publicSet(compute(byKey.get(key) ?? emptyStats())) }));
    } else {
      groups = [...byKey.entries()]
        .sort(([a, x], [b, y]) => y.total - x.total || String(a).localeCompare(String(b)))
        .map(([key, stats]) => ({ key, ...publicSet(compute(stats)) }));
    }
  }

  return {
    from: window.from,
    to: window.to,
    filters: Object.fromEntries(Object.entries(filters).filter(([, value]) => value !== undefined)) as Record<
      string,
      string
    >,
    groupBy,
    ...publicSet(current),
    groups,
    previous: { ...previousWindow, ...publicSet(previous) },
    change: {
      nps: change(current.nps, previous.nps),
      csat: change(current.csat, previous.csat),
      ces: current.ces.map((entry) => ({
        scale: entry.scale,
        ...change(
          entry,
          previous.ces.find((before) => before.scale === entry.scale) ?? { score: null, halfWidth: null },
        ),
      })),
    },
  };
}
