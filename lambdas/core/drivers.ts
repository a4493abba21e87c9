import type { Drivers } from "../contracts/metrics";
import {
  addStats,
  addThemeCell,
  customersAffected,
  type DayAggregate,
  emptyStats,
  emptyThemeCell,
  type ScaleCounts,
  type Stats,
  sampleCustomers,
  type ThemeCell,
  type View,
} from "./aggregates";
import { csatMetric, npsMetric, round2, type Window } from "./metrics";

type Metric = "nps" | "csat";

/** Where drivers read from: a view of the stored day aggregates. */
export interface AggregateReader {
  days(view: View, from: string, to: string): Promise<DayAggregate[]>;
}

/** Drivers need each day's totals by survey and its theme cells: two views, joined by day. */
export async function daysForDrivers(aggregates: AggregateReader, window: Window): Promise<DayAggregate[]> {
  const [bySurvey, themes] = await Promise.all([
    aggregates.days("survey", window.from, window.to),
    aggregates.days("themes", window.from, window.to),
  ]);
  const days = new Map(bySurvey.map((day) => [day.day, { ...day, themes: [] as DayAggregate["themes"] }]));
  for (const day of themes) {
    const into = days.get(day.day) ?? { day: day.day, cells: [], themes: [] };
    into.themes.push(...day.themes);
    days.set(day.day, into);
  }
  return [...days.values()];
}

function subtract(whole: Stats, part: Stats): Stats {
  const scales = (a: Record<string, ScaleCounts>, b: Record<string, ScaleCounts>) =>
    Object.fromEntries(
      Object.entries(a).map(([scale, counts]) => {
        const minus = b[scale] ?? { responses: 0, top: 0, sum: 0 };
        return [
          scale,
          { responses: counts.responses - minus.responses, top: counts.top - minus.top, sum: counts.sum - minus.sum },
        ];
      }),
    );
  return {
    total: whole.total - part.total,
    nps: {
      responses: whole.nps.responses - part.nps.responses,
      promoters: whole.nps.promoters - part.nps.promoters,
      passives: whole.nps.passives - part.nps.passives,
      detractors: whole.nps.detractors - part.nps.detractors,
    },
    csat: scales(whole.csat, part.csat),
    ces: scales(whole.ces, part.ces),
  };
}

/** The driver metric's score, answers and interval half-width for a set of responses. */
function scoreOf(stats: Stats, metric: Metric) {
  if (metric === "nps") {
    const nps = npsMetric(stats.nps);
    return {
      score: nps.halfWidth === null ? null : 100 * ((nps.promoters - nps.detractors) / nps.responses),
      n: nps.responses,
      half: nps.halfWidth,
    };
  }
  const csat = csatMetric(stats.csat);
  return {
    score: csat.responses === 0 ? null : (100 * csat.satisfied) / csat.responses,
    n: csat.responses,
    half: csat.halfWidth,
  };
}

/**
 * Key drivers: for each theme, the score among responses that mention it and among those that
 * do not, and its impact on the overall score, share × (with − without), which equals the overall
 * score minus the score without the theme. Its interval is share × the combined interval of both
 * groups. Ranked by impact, most harmful first.
 */
export function computeDrivers(input: { window: Window; survey?: string; days: readonly DayAggregate[] }): Drivers {
  const { window, survey } = input;
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
  // Exact while every day's list was complete; once one was sampled, the union is sampled the same way.
  for (const totals of themes.values()) if (totals.customersSampled) sampleCustomers(totals);
  const drivers = [...themes.entries()].map(([theme, totals]) => {
    const mentioned = metric ? scoreOf(totals.stats, metric) : null;
    const rest = metric ? scoreOf(subtract(overall, totals.stats), metric) : null;
    const all = metric ? scoreOf(overall, metric) : null;
    let impact: number | null = null;
    let impactCi95: { low: number; high: number } | null = null;
    if (mentioned?.score != null && rest?.score != null && all && all.n > 0) {
      const share = mentioned.n / all.n;
      const raw = share * (mentioned.score - rest.score);
      const half = share * Math.sqrt((mentioned.half ?? 0) ** 2 + (rest.half ?? 0) ** 2);
      impact = round2(raw);
      impactCi95 = { low: round2(raw - half), high: round2(raw + half) };
    }
    const affected = customersAffected(totals);
    return {
      theme,
      mentions: totals.stats.total,
      share: overall.total === 0 ? 0 : round2((100 * totals.stats.total) / overall.total),
      withTheme: { score: mentioned?.score == null ? null : round2(mentioned.score), responses: mentioned?.n ?? 0 },
      withoutTheme: { score: rest?.score == null ? null : round2(rest.score), responses: rest?.n ?? 0 },
      impact,
      impactCi95,
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
  };
}
