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

/** Runs on a schedule: escalates overdue cases one level at a time. A rerun finds nothing new to do. */
export const handler = scheduledJob(
  "sla sweep",
  () => sweepOverdue(ports),
  (result) => ({
    metric: "CasesEscalated",
    count: result.escalated.length,
    summary: { checked: result.checked, escalated: result.escalated.length },
  }),
);
