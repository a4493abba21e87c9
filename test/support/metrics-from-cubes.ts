import type { GroupBy } from "../../lambdas/contracts/metrics";
import type { DayAggregate } from "../../lambdas/core/aggregates";
import { computeMetrics, type Filters, resolveWindow } from "../../lambdas/core/metrics";

/**
 * What `GET /v1/metrics` must answer, computed straight from the days' cubes: the reference that answers read
 * from stored views or running sums are held to.
 */
export function metricsFromCubes(
  query: { from: string; to: string; filters: Filters; groupBy: GroupBy | null },
  cubes: readonly DayAggregate[],
  { today, minResponses }: { today: string; minResponses: number },
) {
  const windows = resolveWindow(query, today);
  if (!windows.ok) throw new Error("a valid window");
  return computeMetrics({
    window: windows.value.current,
    previousWindow: windows.value.previous,
    filters: query.filters,
    groupBy: query.groupBy,
    days: cubes,
    previousDays: cubes,
    minResponses,
  });
}
