import type { DriversQuery, MetricsQuery } from "../contracts/metrics";
import { validationFailed } from "./client-error";
import { type AggregateReader, computeDrivers, daysForDrivers } from "./drivers";
import { computeMetrics, resolveWindow, viewFor } from "./metrics";

export interface MetricsQueryPorts {
  aggregates: AggregateReader;
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

/**
 * Reads day aggregates only, in the smallest view that answers the query: the cost grows with
 * days × the view's cells (one a day for the total), never with the number of responses.
 */
export async function metricsFor(query: MetricsQuery, ports: MetricsQueryPorts) {
  const { current, previous } = windowsOf(query, ports.today());
  const { survey, touchpoint, channel, segment, stage } = query;
  const filters = { survey, touchpoint, channel, segment, stage };
  const groupBy = query.groupBy ?? null;
  const days = await ports.aggregates.days(viewFor(filters, groupBy), previous.from, current.to);
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
  const { current } = windowsOf(query, ports.today());
  const days = await daysForDrivers(ports.aggregates, current);
  return computeDrivers({ window: current, survey: query.survey, days, minResponses: ports.minResponses });
}
