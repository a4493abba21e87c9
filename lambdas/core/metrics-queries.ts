import type { DriversQuery, MetricsQuery } from "../contracts/metrics";
import { type Cell, combineCells, type DayAggregate, runningTerms } from "./aggregates";
import { validationFailed } from "./client-error";
import { type AggregateReader, computeDrivers, daysForDrivers } from "./drivers";
import { computeMetrics, periodWindows, resolveWindow, viewFor, type Window } from "./metrics";

/** Where queries on three or more dimensions read: the cube's running sums (see `RUNNING_VIEW`). */
export interface RunningSumReader {
  /** Each day's running sum: its block's cells through that day (none when no day of the block up to it had responses). */
  runningSums(days: readonly string[]): Promise<Map<string, Cell[]>>;
}

export interface MetricsQueryPorts {
  aggregates: AggregateReader & RunningSumReader;
  /** Today in the stage's metrics time zone: the default end of a window. */
  today: () => string;
  /** Answers below which a figure, change or driver is `insufficient`. */
  minResponses: number;
}

function windowsOf(query: { from?: string; to?: string }, today: string) {
  const windows = resolveWindow(query, today);
  if (!windows.ok)
    throw validationFailed(windows.details.map((detail) => ({ ...detail, path: `query.${detail.path}` })));
  return windows.value;
}

/** Each span's cube cells from the running sums, as one aggregate dated the span's first day. */
async function spanAggregates(reader: RunningSumReader, spans: readonly Window[]): Promise<DayAggregate[]> {
  const terms = spans.map(runningTerms);
  const sums = await reader.runningSums([...new Set(terms.flatMap((term) => [...term.add, ...term.subtract]))]);
  const cellsAt = (day: string) => sums.get(day) ?? [];
  return spans.map((span, index) => {
    const { add, subtract } = terms[index] as (typeof terms)[number];
    return { day: span.from, cells: combineCells(add.map(cellsAt), subtract.map(cellsAt)), themes: [], answers: [] };
  });
}

/**
 * Reads day aggregates only, in the smallest view that answers the query: the cost grows with
 * days × the view's cells (one a day for the total), never with the number of responses. Three or
 * more dimensions read the cube's running sums instead, a few per window (each window, or each
 * week or month of it, is one span), unless grouped by day, which needs the cube's days.
 */
export async function metricsFor(query: MetricsQuery, ports: MetricsQueryPorts) {
  const { current, previous } = windowsOf(query, ports.today());
  const { survey, touchpoint, channel, segment, stage } = query;
  const filters = { survey, touchpoint, channel, segment, stage };
  const groupBy = query.groupBy ?? null;
  const view = viewFor(filters, groupBy);
  const days =
    view === "cube" && groupBy !== "day"
      ? await spanAggregates(ports.aggregates, [
          previous,
          ...(groupBy === "week" || groupBy === "month" ? periodWindows(current, groupBy) : [current]),
        ])
      : await ports.aggregates.days(view, previous.from, current.to);
  return computeMetrics({
    window: current,
    previousWindow: previous,
    filters,
    groupBy,
    days,
    previousDays: days,
    minResponses: ports.minResponses,
  });
}

export async function driversFor(query: DriversQuery, ports: MetricsQueryPorts) {
  const today = ports.today();
  const { current } = windowsOf(query, today);
  const days = await daysForDrivers(ports.aggregates, current, today);
  return computeDrivers({ window: current, survey: query.survey, days, minResponses: ports.minResponses });
}
