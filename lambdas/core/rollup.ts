import { aggregateDay, type DayAggregate, type RollupResponse } from "./aggregates";
import { daysOf, type Window } from "./metrics";

export interface RollupPorts {
  store: {
    changedDays(): Promise<{ day: string; version: number; changedAt: string }[]>;
    responsesOfDay(day: string): AsyncIterable<RollupResponse>;
    putDay(aggregate: DayAggregate, at: Date): Promise<void>;
    /** Stores what summarises days once they are over (the driver blocks ending yesterday), if not yet. */
    closeDriverBlocks(at: Date): Promise<void>;
    clearChanged(day: string, version: number): Promise<boolean>;
  };
  now: () => Date;
}

/** Recomputes one day from its stored responses and replaces its aggregate: the same responses, the same numbers. */
export async function recomputeDay(day: string, ports: RollupPorts): Promise<DayAggregate> {
  const responses: RollupResponse[] = [];
  for await (const response of ports.store.responsesOfDay(day)) responses.push(response);
  const aggregate = aggregateDay(day, responses);
  await ports.store.putDay(aggregate, ports.now());
  return aggregate;
}

/**
 * How long after its last change a day's responses are taken to be all in the time index: GSIs are
 * eventually consistent, so a day changed more recently is recomputed but stays marked, and the
 * next run computes it again.
 */
export const INDEX_SETTLE_MS = 60_000;

/**
 * Recomputes every day marked changed, oldest first, while `hasTime` allows, then closes yesterday's
 * driver blocks if its rollups did not. A day's mark is
 * cleared only after its aggregate is written, only if no response arrived meanwhile, and only
 * if its last change had time to reach the index before the day was read; so a crash, a timeout
 * or a lagging index leaves the day marked and the next run computes it again.
 */
export async function rollUpChangedDays(
  ports: RollupPorts,
  hasTime: () => boolean = () => true,
): Promise<{ recomputed: string[]; left: number }> {
  const changed = (await ports.store.changedDays()).sort((a, b) => (a.day < b.day ? -1 : 1));
  const recomputed: string[] = [];
  for (const { day, version, changedAt } of changed) {
    if (!hasTime()) break;
    const readFrom = ports.now().getTime();
    await recomputeDay(day, ports);
    if (Date.parse(changedAt) <= readFrom - INDEX_SETTLE_MS) await ports.store.clearChanged(day, version);
    recomputed.push(day);
  }
  if (hasTime()) await ports.store.closeDriverBlocks(ports.now());
  return { recomputed, left: changed.length - recomputed.length };
}

/** Rolls the given days up again from the stored responses (after a metric definition changed). */
export async function recomputeDays(range: Window, ports: RollupPorts) {
  const days = daysOf(range);
  let responses = 0;
  for (const day of days) {
    const aggregate = await recomputeDay(day, ports);
    responses += aggregate.cells.reduce((total, cell) => total + cell.stats.total, 0);
  }
  return { ...range, days: days.length, responses };
}
