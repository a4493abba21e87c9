import { rollUpChangedDays } from "../core/rollup";
import { aggregateStore, now } from "./composition-root";
import { scheduledJob } from "./scheduled-job";

const ports = { store: aggregateStore(), now };
/** Stop taking new days with this much time left; the days left stay marked for the next run. */
const SAFETY_MARGIN_MS = 20_000;

/** Runs on a schedule: recomputes the days whose responses changed since the last run. */
export const handler = scheduledJob(
  "metrics rollup",
  (context) => rollUpChangedDays(ports, () => context.getRemainingTimeInMillis() > SAFETY_MARGIN_MS),
  (result) => ({ metric: "DaysRecomputed", count: result.recomputed.length, summary: result }),
);
