import { daysBetween } from "../../lambdas/contracts/metrics";
import { addDays } from "../../lambdas/core/metrics";

export interface RecomputeOptions {
  endpoint: string;
  key: string;
  from: string;
  to: string;
  /** Days per API call: each call must finish within API Gateway's 29 seconds. */
  daysPerCall?: number;
  progress: (line: string) => void;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Rolls every day from `from` to `to` up again from the stored responses (after a metric
 * definition changed, or to rebuild history), a few days per `POST /v1/metrics/recompute`.
 * A range that fails with a server error or time-out is retried one day at a time, and the
 * error names the day to resume from; a 4xx (bad key, bad range) stops at once.
 */
export async function recomputeMetrics(options: RecomputeOptions) {
  const { endpoint, key, from, to } = options;
  if (!DATE.test(from) || !DATE.test(to)) throw new Error("--from and --to must be dates (YYYY-MM-DD)");
  if (from > to) throw new Error("--from must not be after --to");
  const total = daysBetween(from, to);
  const perCall = options.daysPerCall ?? 7;
  let done = 0;
  let responses = 0;

  const call = async (rangeFrom: string, rangeTo: string) => {
    const answer = await fetch(`${endpoint}/v1/metrics/recompute`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ from: rangeFrom, to: rangeTo }),
    });
    if (!answer.ok) {
      const error = new Error(`POST /v1/metrics/recompute answered ${answer.status}: ${await answer.text()}`);
      // A refused key or a bad range fails the same way day by day: only a fault or time-out is worth splitting.
      if (answer.status < 500) throw Object.assign(error, { final: true });
      throw error;
    }
    return (await answer.json()) as { days: number; responses: number };
  };

  for (let start = from; start <= to; start = addDays(start, perCall)) {
    const end = [addDays(start, perCall - 1), to].sort()[0] as string;
    let result: { days: number; responses: number };
    try {
      result = await call(start, end);
    } catch (error) {
      if ((error as { final?: boolean }).final) throw error;
      result = { days: 0, responses: 0 };
      for (let day = start; day <= end; day = addDays(day, 1)) {
        try {
          const single = await call(day, day);
          result.days += single.days;
          result.responses += single.responses;
        } catch (error) {
          throw new Error(`${(error as Error).message}\nresume with --from ${day} --to ${to}`);
        }
      }
    }
    done += result.days;
    responses += result.responses;
    options.progress(`recomputed ${done}/${total} days (${responses} responses)`);
  }
  return { from, to, days: done, responses };
}
