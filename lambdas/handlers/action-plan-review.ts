import { reviewPlans } from "../core/action-plans";
import { actionPlanPorts, eventPublisher } from "./composition-root";
import { scheduledJob } from "./scheduled-job";

const ports = { ...actionPlanPorts(), events: eventPublisher() };

/** Runs daily: publishes `Action Plan Off Track` for each active plan past half its time that has not moved. */
export const handler = scheduledJob(
  "action plan review",
  () => reviewPlans(ports),
  (result) => ({ metric: "ActionPlansOffTrack", count: result.offTrack.length, summary: result }),
);
