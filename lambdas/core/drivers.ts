import { DEFAULT_MIN_RESPONSES, type Drivers } from "../contracts/metrics";
import {
  addStats,
  addThemeCell,
  BLOCK_CUSTOMER_SAMPLE_SIZE,
  customersAffected,
  type DayAggregate,
  type DriverBlock,
  dayAfter,
  dayBefore,
  driverBlockHalves,
  driverBlocksOf,
  emptyStats,
  emptyThemeCell,
  type Stats,
  sampleCustomers,
  subtractStats,
  type ThemeCell,
  type View,
} from "./aggregates";
import { fitDriverModel } from "./driver-model";
import { type Comparison, compareNetScores, compareShares, SIGNIFICANCE_LEVEL } from "./intervals";
import { round2, type Window } from "./metrics";

type Metric = "nps" | "csat";

/** Where drivers read from: a view of the stored day aggregates, and the stored blocks of days where it keeps them. */
export interface AggregateReader {
  days(view: View, from: string, to: string): Promise<DayAggregate[]>;
  /**
   * The stored blocks among `blocks` (level ≥ 1), by first day; a block missing (it holds today, was
   * rolled up before blocks existed, or has no day written) is read as its halves, down to days. A
   * reader without it reads days only.
   */
  driverBlocks?(blocks: readonly DriverBlock[]): Promise<Map<string, DayAggregate>>;
}

/**
 * What drivers read of a window: its aligned blocks of days where stored (about 10 for 90 days,
 * whatever they hold), and the days of the rest, each day's totals by survey, theme cells and
 * answer sample (three views, joined by day). A block is stored once all its days are over, so the
 * days from `today` on are read as days, alongside the blocks before them, in one round.
 */
export async function daysForDrivers(
  aggregates: AggregateReader,
  window: Window,
  today: string,
): Promise<DayAggregate[]> {
  if (!aggregates.driverBlocks) return dayViews(aggregates, window);
  const closedTo = window.to < today ? window.to : dayBefore(today);
  const open: Window | null =
    window.to >= today ? { from: window.from > today ? window.from : today, to: window.to } : null;
  const openDays = open ? dayViews(aggregates, open) : Promise.resolve([]);
  // Awaited below with the rest; marked handled so a failure while the blocks are read first is not an unhandled rejection.
  openDays.catch(() => undefined);
  const found: DayAggregate[] = [];
  const fromDays: Window[] = [];
  // A closed block not stored (the rollup has not run since it closed, or it was rolled up before blocks existed) is read as its two halves, down to days.
  for (
    let wanted = window.from <= closedTo ? driverBlocksOf({ from: window.from, to: closedTo }) : [];
    wanted.length > 0;
  ) {
    const stored = await aggregates.driverBlocks(wanted.filter((block) => block.level > 0));
    const halves: DriverBlock[] = [];
    for (const block of wanted) {
      const piece = stored.get(block.from);
      if (piece) found.push(piece);
      else if (block.level > 0) halves.push(...driverBlockHalves(block));
      else {
        const last = fromDays[fromDays.length - 1];
        if (last && dayAfter(last.to) === block.from) last.to = block.to;
        else fromDays.push({ from: block.from, to: block.to });
      }
    }
    wanted = halves;
  }
  const days = await Promise.all([openDays, ...fromDays.map((span) => dayViews(aggregates, span))]);
  return [...found, ...days.flat()];
}

/** Each day's totals by survey, theme cells and answer sample: three views, joined by day. */
export async function dayViews(aggregates: AggregateReader, window: Window): Promise<DayAggregate[]> {
  const [bySurvey, themes, answers] = await Promise.all([
    aggregates.days("survey", window.from, window.to),
    aggregates.days("themes", window.from, window.to),
    aggregates.days("answers", window.from, window.to),
  ]);
  const days = new Map<string, DayAggregate>(bySurvey.map((day) => [day.day, { ...day, themes: [], answers: [] }]));
  const dayOf = (day: string) => {
    const into = days.get(day) ?? { day, cells: [], themes: [], answers: [] };
    days.set(day, into);
    return into;
  };
  for (const day of themes) dayOf(day.day).themes.push(...day.themes);
  for (const day of answers) dayOf(day.day).answers.push(...day.answers);
  return [...days.values()];
}

/** The driver metric's score (points) and scored answers for a set of responses, with what its test needs. */
function scoreOf(stats: Stats, metric: Metric) {
  if (metric === "nps") {
    const { responses, promoters, detractors } = stats.nps;
    return {
      score: responses === 0 ? null : (100 * (promoters - detractors)) / responses,
      n: responses,
      compare: (other: Stats): Comparison | null => compareNetScores(stats.nps, other.nps),
    };
  }
  const satisfied = (of: Stats) => {
    const counts = Object.values(of.csat);
    return {
      successes: counts.reduce((sum, c) => sum + c.top, 0),
      n: counts.reduce((sum, c) => sum + c.responses, 0),
    };
  };
  const own = satisfied(stats);
  return {
    score: own.n === 0 ? null : (100 * own.successes) / own.n,
    n: own.n,
    compare: (other: Stats): Comparison | null => compareShares(own, satisfied(other)),
  };
}

/**
 * Key drivers: for each theme, the score among responses that mention it and among those that
 * do not, and its impact on the overall score, share × (with − without), which equals the overall
 * score minus the score without the theme. Its interval is share × the two-sample interval of
 * with − without (the share taken as fixed), and its p-value that test's; a theme with fewer than
 * `minResponses` scored mentions (or that few without it) is `insufficient`, never significant.
 * Ranked by impact, most harmful first. With NPS answers, `model` adds the regression's R² and
 * each driver's share of it (see driver-model.ts).
 */
export function computeDrivers(input: {
  window: Window;
  survey?: string;
  days: readonly DayAggregate[];
  minResponses?: number;
}): Drivers {
  const { window, survey } = input;
  const minResponses = input.minResponses ?? DEFAULT_MIN_RESPONSES;
  const days = input.days.filter((day) => day.day >= window.from && day.day <= window.to);
  const overall = emptyStats();
  const themes = new Map<string, ThemeCell>();
  for (const day of days) {
    for (const cell of day.cells) if (survey === undefined || cell.key.survey === survey) addStats(overall, cell.stats);
    for (const entry of day.themes) {
      if (survey !== undefined && entry.survey !== survey) continue;
      const totals = themes.get(entry.theme) ?? emptyThemeCell(survey ?? null, entry.theme);
      addThemeCell(totals, entry);
      themes.set(entry.theme, totals);
    }
  }

  const metric: Metric | null =
    overall.nps.responses > 0 ? "nps" : Object.values(overall.csat).some((c) => c.responses > 0) ? "csat" : null;
  // Exact while every part's list was complete; once one was sampled, the union is sampled like a block.
  for (const totals of themes.values())
    if (totals.customersSampled) sampleCustomers(totals, BLOCK_CUSTOMER_SAMPLE_SIZE);
  const drivers = [...themes.entries()].map(([theme, totals]) => {
    const withoutStats = subtractStats(overall, totals.stats);
    const mentioned = metric ? scoreOf(totals.stats, metric) : null;
    const rest = metric ? scoreOf(withoutStats, metric) : null;
    const insufficient = (mentioned?.n ?? 0) < minResponses || (rest?.n ?? 0) < minResponses;
    let impact: number | null = null;
    let impactCi95: { low: number; high: number } | null = null;
    let pValue: number | null = null;
    const comparison = mentioned?.compare(withoutStats) ?? null;
    if (mentioned?.score != null && rest?.score != null && comparison) {
      const share = mentioned.n / (mentioned.n + rest.n);
      impact = round2(share * (mentioned.score - rest.score));
      impactCi95 = {
        low: round2(100 * share * comparison.interval.low),
        high: round2(100 * share * comparison.interval.high),
      };
      pValue = Number(comparison.pValue.toPrecision(4));
    }
    const affected = customersAffected(totals, BLOCK_CUSTOMER_SAMPLE_SIZE);
    return {
      theme,
      mentions: totals.stats.total,
      share: overall.total === 0 ? 0 : round2((100 * totals.stats.total) / overall.total),
      withTheme: { score: mentioned?.score == null ? null : round2(mentioned.score), responses: mentioned?.n ?? 0 },
      withoutTheme: { score: rest?.score == null ? null : round2(rest.score), responses: rest?.n ?? 0 },
      impact,
      impactCi95,
      pValue,
      significant: !insufficient && pValue !== null && pValue < SIGNIFICANCE_LEVEL,
      insufficient,
      sentiment: totals.sentimentCount === 0 ? null : round2(totals.sentimentSum / totals.sentimentCount),
      customers: affected.customers,
      customersEstimated: affected.estimated,
      annualValue: affected.annualValue
        .map(({ currency, total }) => ({ currency, total: round2(total) }))
        .sort((a, b) => b.total - a.total),
      exampleResponseId: totals.example?.responseId ?? null,
    };
  });
  const byImpact = (x: number | null, y: number | null) => (x === y ? 0 : x === null ? 1 : y === null ? -1 : x - y);
  drivers.sort((a, b) => byImpact(a.impact, b.impact) || b.mentions - a.mentions || a.theme.localeCompare(b.theme));
  return {
    from: window.from,
    to: window.to,
    filters: survey === undefined ? {} : { survey },
    metric,
    responses: overall.total,
    drivers,
    model: fitDriverModel({ days, survey, minResponses }),
  };
}
