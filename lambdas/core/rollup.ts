import { aggregateDay, type DayAggregate, type RollupResponse } from "./aggregates";

export interface RollupPorts {
  store: {
    changedDays(): Promise<{ day: string; version: number }[]>;
    responsesOfDay(day: string): AsyncIterable<RollupResponse>;
    putDay(aggregate: DayAggregate, at: Date): Promise<void>;
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
 * Recomputes every day marked changed, oldest first, while `hasTime` allows. A day's mark is
 * cleared only after its aggregate is written and only if no response arrived meanwhile, so a
 * crash or a timeout leaves the day marked and the next run computes it again.
 */
export async function rollUpChangedDays(
  ports: RollupPorts,
  hasTime: () => boolean = () => true,
): Promise<{ recomputed: string[]; left: number }> {
  const changed = (await ports.store.changedDays()).sort((a, b) => (a.day < b.day ? -1 : 1));
  const recomputed: string[] = [];
  for (const { day, version } of changed) {
    if (!hasTime()) break;
    await recomputeDay(day, ports);
    await ports.store.clearChanged(day, version);
    recomputed.push(day);
  }
  return { recomputed, left: changed.length - recomputed.length };
}
