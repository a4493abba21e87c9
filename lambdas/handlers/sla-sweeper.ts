import { sweepOverdue } from "../core/sla-sweep";
import { caseStore, eventPublisher, followUpConfig, isCaseConflict, now } from "./composition-root";
import { scheduledJob } from "./scheduled-job";

const ports = {
  cases: caseStore(),
  events: eventPublisher(),
  config: followUpConfig(),
  now,
  isConflict: isCaseConflict,
};
/** Stop counting older cases with this much time left; the next sweep continues. */
const BACKFILL_SAFETY_MARGIN_MS = 20_000;

/**
 * Runs on a schedule: escalates overdue cases one level at a time. A rerun finds nothing new to do.
 * Then it counts cases written before the stats counters existed into them, so after an upgrade
 * `GET /v1/cases/stats` reads the counters within a few sweeps instead of every case until requests finish it.
 */
export const handler = scheduledJob(
  "sla sweep",
  async (context) => {
    const sweep = await sweepOverdue(ports);
    const statsCountersWhole = await ports.cases.backfillCounters(
      () => context.getRemainingTimeInMillis() > BACKFILL_SAFETY_MARGIN_MS,
    );
    return { ...sweep, statsCountersWhole };
  },
  (result) => ({
    metric: "CasesEscalated",
    count: result.escalated.length,
    summary: {
      checked: result.checked,
      escalated: result.escalated.length,
      statsCountersWhole: result.statsCountersWhole,
    },
  }),
);
