import {
  type EnpsFigure,
  type EnpsQuery,
  type EnpsReport,
  MIN_EMPLOYEE_GROUP,
  POOLED_KEY,
  SUPPRESSED_REASON,
} from "../contracts/enps";
import { PERIODS, type Period } from "../contracts/metrics";
import type { DayAggregate, EmployeeCell, NpsCounts } from "./aggregates";
import { validationFailed } from "./client-error";
import type { AggregateReader } from "./drivers";
import { compareNetScores } from "./intervals";
import { changeOf, daysOf, npsMetric, periodKey, resolveWindow, type Window } from "./metrics";

const none = (): NpsCounts => ({ responses: 0, promoters: 0, passives: 0, detractors: 0 });
function add(into: NpsCounts, from: NpsCounts): NpsCounts {
  into.responses += from.responses;
  into.promoters += from.promoters;
  into.passives += from.passives;
  into.detractors += from.detractors;
  return into;
}

/** eNPS as NPS is computed, or nothing at all below MIN_EMPLOYEE_GROUP answers (an empty window shows its zero). */
export function enpsFigure(counts: NpsCounts, minResponses: number): EnpsFigure {
  if (counts.responses > 0 && counts.responses < MIN_EMPLOYEE_GROUP)
    return {
      shown: false,
      reason: SUPPRESSED_REASON,
      score: null,
      responses: null,
      promoters: null,
      passives: null,
      detractors: null,
      ci95: null,
      insufficient: true,
    };
  const { score, responses, promoters, passives, detractors, ci95, insufficient } = npsMetric(counts, minResponses);
  return { shown: true, reason: null, score, responses, promoters, passives, detractors, ci95, insufficient };
}

interface Group {
  key: string | null;
  counts: NpsCounts;
}

/**
 * Groups under MIN_EMPLOYEE_GROUP answers are pooled into one row. While the pool itself is under it, the
 * smallest shown group joins it: otherwise the one hidden group would be the total minus the others.
 */
export function poolSmallGroups(
  groups: readonly Group[],
): { key: string | null; pooled?: (string | null)[]; counts: NpsCounts }[] {
  const isSmall = (group: Group) => group.counts.responses > 0 && group.counts.responses < MIN_EMPLOYEE_GROUP;
  const small = groups.filter(isSmall);
  if (small.length === 0) return [...groups];
  const shown = groups.filter((group) => !isSmall(group));
  const pool = [...small];
  const total = () => pool.reduce((sum, group) => sum + group.counts.responses, 0);
  const bySize = shown
    .filter((group) => group.counts.responses > 0)
    .sort((a, b) => a.counts.responses - b.counts.responses);
  while (total() < MIN_EMPLOYEE_GROUP && bySize.length > 0) pool.push(bySize.shift() as Group);
  const pooledKeys = new Set(pool.map((group) => group.key));
  return [
    ...groups.filter((group) => !pooledKeys.has(group.key)),
    {
      key: POOLED_KEY,
      pooled: pool.map((group) => group.key),
      counts: pool.reduce((sum, group) => add(sum, group.counts), none()),
    },
  ];
}

const matching = (query: EnpsQuery) => (cell: EmployeeCell) =>
  (query.team === undefined || cell.key.team === query.team) &&
  (query.location === undefined || cell.key.location === query.location);

function sum(days: readonly DayAggregate[], window: Window, keep: (cell: EmployeeCell) => boolean) {
  const total = none();
  for (const day of days)
    if (day.day >= window.from && day.day <= window.to)
      for (const cell of day.employees ?? []) if (keep(cell)) add(total, cell.enps);
  return total;
}

/** `GET /v1/enps`: from the `enps` view only (day × team × location counts), never from a customer view. */
export async function enpsFor(
  query: EnpsQuery,
  ports: { aggregates: AggregateReader; today: () => string; minResponses: number },
): Promise<EnpsReport> {
  const windows = resolveWindow(query, ports.today());
  if (!windows.ok)
    throw validationFailed(windows.details.map((detail) => ({ ...detail, path: `query.${detail.path}` })));
  const { current, previous } = windows.value;
  const days = await ports.aggregates.days("enps", previous.from, current.to);
  const keep = matching(query);
  const now = sum(days, current, keep);
  const before = sum(days, previous, keep);
  const groupBy = query.groupBy ?? null;

  let groups: Group[] = [];
  if (groupBy !== null && (PERIODS as readonly string[]).includes(groupBy)) {
    const byPeriod = new Map<string, NpsCounts>(
      daysOf(current).map((day) => [periodKey(day, groupBy as Period), none()]),
    );
    for (const day of days)
      if (day.day >= current.from && day.day <= current.to)
        for (const cell of day.employees ?? [])
          if (keep(cell)) add(byPeriod.get(periodKey(day.day, groupBy as Period)) ?? none(), cell.enps);
    groups = [...byPeriod.entries()].map(([key, counts]) => ({ key, counts }));
  } else if (groupBy === "team" || groupBy === "location") {
    const byValue = new Map<string | null, NpsCounts>();
    for (const day of days)
      if (day.day >= current.from && day.day <= current.to)
        for (const cell of day.employees ?? [])
          if (keep(cell)) {
            const key = cell.key[groupBy];
            byValue.set(key, add(byValue.get(key) ?? none(), cell.enps));
          }
    groups = [...byValue.entries()]
      .sort(([a, x], [b, y]) => y.responses - x.responses || String(a).localeCompare(String(b)))
      .map(([key, counts]) => ({ key, counts }));
  }

  const figure = (counts: NpsCounts) => enpsFigure(counts, ports.minResponses);
  const nowFigure = figure(now);
  const beforeFigure = figure(before);
  const comparable = nowFigure.shown && beforeFigure.shown;
  return {
    from: current.from,
    to: current.to,
    filters: Object.fromEntries(
      Object.entries({ team: query.team, location: query.location }).filter(([, value]) => value !== undefined),
    ) as Record<string, string>,
    groupBy,
    enps: nowFigure,
    groups: poolSmallGroups(groups).map(({ counts, ...group }) => ({ ...group, enps: figure(counts) })),
    previous: { ...previous, enps: beforeFigure },
    change: comparable
      ? changeOf(
          { score: nowFigure.score, responses: now.responses },
          { score: beforeFigure.score, responses: before.responses },
          compareNetScores(now, before),
          ports.minResponses,
        )
      : { points: null, ci95: null, pValue: null, significant: false, insufficient: true },
  };
}
