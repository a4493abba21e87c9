import {
  DEFAULT_MIN_RESPONSES,
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
import {
  type Comparison,
  compareNetScores,
  compareShares,
  type Interval,
  netScoreInterval,
  SIGNIFICANCE_LEVEL,
  shareInterval,
} from "./intervals";
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

/**
 * Every day of the window, oldest first. Counted, not compared: the day after 9999-12-31 is `+010000-01-01`,
 * which sorts before it, so a window ending then would never end.
 */
export function daysOf(window: Window): string[] {
  return Array.from({ length: Math.max(0, dayCount(window)) }, (_, index) => addDays(window.from, index));
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

/** The periods a window spans, each cut to the window, oldest first. */
export function periodWindows(window: Window, period: Period): Window[] {
  const periods = new Map<string, Window>();
  for (const day of daysOf(window)) {
    const key = periodKey(day, period);
    periods.set(key, { from: periods.get(key)?.from ?? day, to: day });
  }
  return [...periods.values()];
}

const asPoints = (interval: Interval | null) =>
  interval && { low: round2(100 * interval.low), high: round2(100 * interval.high) };
/** Four significant digits: a p-value's size matters, not its last decimals (and 2 decimals would show 0). */
const roundP = (p: number) => Number(p.toPrecision(4));

/**
 * NPS as defined: 100 × (promoters − detractors) / n. The 95% interval is the adjusted Wald interval
 * of `netScoreInterval`; below `minResponses` answers the figure is flagged `insufficient`.
 */
export function npsMetric(counts: NpsCounts, minResponses = DEFAULT_MIN_RESPONSES) {
  const n = counts.responses;
  const base = {
    responses: n,
    promoters: counts.promoters,
    passives: counts.passives,
    detractors: counts.detractors,
    insufficient: n < minResponses,
  };
  if (n === 0) return { ...base, score: null, promoterPercent: null, detractorPercent: null, ci95: null };
  return {
    ...base,
    score: round2((100 * (counts.promoters - counts.detractors)) / n),
    promoterPercent: round2((100 * counts.promoters) / n),
    detractorPercent: round2((100 * counts.detractors) / n),
    ci95: asPoints(netScoreInterval(counts)),
  };
}

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
export function csatMetric(byScale: Record<string, ScaleCounts>, minResponses = DEFAULT_MIN_RESPONSES) {
  const answered = Object.entries(byScale).filter(([, counts]) => counts.responses > 0);
  const total = sumScales(byScale);
  return {
    score: percent(total.top, total.responses),
    responses: total.responses,
    satisfied: total.top,
    mean: answered.length === 1 ? round2(total.sum / total.responses) : null,
    ci95: asPoints(shareInterval(total.top, total.responses)),
    insufficient: total.responses < minResponses,
    byScale: answered.sort(byScaleLabel).map(([scale, counts]) => ({
      scale,
      score: percent(counts.top, counts.responses),
      responses: counts.responses,
      satisfied: counts.top,
      mean: round2(counts.sum / counts.responses),
    })),
  };
}

/** CES per scale (never mixed): % easy and the mean. The 1-7 scale is always listed, empty or not. */
export function cesMetrics(byScale: Record<string, ScaleCounts>, minResponses = DEFAULT_MIN_RESPONSES) {
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
      ci95: asPoints(shareInterval(counts.top, counts.responses)),
      insufficient: counts.responses < minResponses,
    }));
}

const compute = (stats: Stats, minResponses: number) => ({
  nps: npsMetric(stats.nps, minResponses),
  csat: csatMetric(stats.csat, minResponses),
  ces: cesMetrics(stats.ces, minResponses),
});

/**
 * A change between two windows from their two-sample comparison: significant when p < 0.05 and
 * both windows have at least `minResponses` answers (below that it is `insufficient`, never significant).
 */
export function changeOf(
  now: { score: number | null; responses: number },
  before: { score: number | null; responses: number },
  comparison: Comparison | null,
  minResponses: number,
) {
  const insufficient = now.responses < minResponses || before.responses < minResponses;
  if (now.score === null || before.score === null || comparison === null)
    return { points: null, ci95: null, pValue: null, significant: false, insufficient };
  return {
    points: round2(now.score - before.score),
    ci95: asPoints(comparison.interval),
    pValue: roundP(comparison.pValue),
    significant: !insufficient && comparison.pValue < SIGNIFICANCE_LEVEL,
    insufficient,
  };
}

type Computed = ReturnType<typeof compute>;
type ScaleMetric = Computed["ces"][number];
const noAnswers = { score: null, responses: 0, easy: 0 };
const shareOf = (metric: { responses: number }, top: number) => ({ successes: top, n: metric.responses });

function changes(current: Computed, previous: Computed, minResponses: number) {
  const cesChange = (entry: ScaleMetric) => {
    const before = previous.ces.find((candidate) => candidate.scale === entry.scale) ?? noAnswers;
    const comparison = compareShares(shareOf(entry, entry.easy), shareOf(before, before.easy));
    return { scale: entry.scale, ...changeOf(entry, before, comparison, minResponses) };
  };
  return {
    nps: changeOf(current.nps, previous.nps, compareNetScores(current.nps, previous.nps), minResponses),
    csat: changeOf(
      current.csat,
      previous.csat,
      compareShares(shareOf(current.csat, current.csat.satisfied), shareOf(previous.csat, previous.csat.satisfied)),
      minResponses,
    ),
    ces: current.ces.map(cesChange),
  };
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
  /** Answers below which a figure or change is `insufficient` (the stage's `minResponses`). */
  minResponses?: number;
}): MetricsReport {
  const { window, previousWindow, filters, groupBy } = input;
  const minResponses = input.minResponses ?? DEFAULT_MIN_RESPONSES;
  const computed = (stats: Stats) => compute(stats, minResponses);
  const inWindow = (range: Window) => (day: DayAggregate) => day.day >= range.from && day.day <= range.to;
  const days = input.days.filter(inWindow(window));
  const current = computed(collect(days, filters, null).get("") ?? emptyStats());
  const previous = computed(
    collect(input.previousDays.filter(inWindow(previousWindow)), filters, null).get("") ?? emptyStats(),
  );

  let groups: MetricsReport["groups"] = [];
  if (groupBy !== null) {
    const byKey = collect(days, filters, groupBy);
    if ((PERIODS as readonly string[]).includes(groupBy)) {
      const keys = [...new Set(daysOf(window).map((day) => periodKey(day, groupBy as Period)))];
      groups = keys.map((key) => ({ key, ...computed(byKey.get(key) ?? emptyStats()) }));
    } else {
      groups = [...byKey.entries()]
        .sort(([a, x], [b, y]) => y.total - x.total || String(a).localeCompare(String(b)))
        .map(([key, stats]) => ({ key, ...computed(stats) }));
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
    ...current,
    groups,
    previous: { ...previousWindow, ...previous },
    change: changes(current, previous, minResponses),
  };
}
