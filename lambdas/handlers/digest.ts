import { svgToPng } from "../adapters/chart-renderer";
import { isOpenPlan } from "../contracts/action-plans";
import { listPlans } from "../core/action-plans";
import { sendWeeklyDigest } from "../core/digest";
import {
  actionPlanPorts,
  aggregateStore,
  caseStore,
  chartStore,
  churnRiskThreshold,
  consoleUrl,
  customerStore,
  deliveryLog,
  digestSettings,
  eventPublisher,
  metricsTimeZone,
  minResponses,
  notifiers,
  now,
  responseStore,
} from "./composition-root";
import { scheduledJob } from "./scheduled-job";

const responses = responseStore();
const cases = caseStore();
const charts = chartStore();
const ports = {
  ...notifiers(),
  aggregates: aggregateStore(),
  timeZone: metricsTimeZone(),
  minResponses: minResponses(),
  // Through the retention-aware store: a comment past retention is never quoted.
  responses: {
    example: async (id: string) => {
      const stored = await responses.get(id);
      return (
        stored && {
          comment: stored.comment,
          sentiment: stored.sentiment,
          category: stored.category,
        }
      );
    },
  },
  charts: { render: svgToPng, publish: charts && ((name: string, png: Uint8Array) => charts.put(name, png)) },
  cases,
  deliveries: deliveryLog(),
  customers: customerStore(),
  plans: {
    open: async () => (await listPlans({}, actionPlanPorts())).items.filter((plan) => isOpenPlan(plan.status)),
  },
  events: eventPublisher(),
  riskThreshold: churnRiskThreshold(),
  recipients: digestSettings().digestRecipients,
  consoleUrl: consoleUrl(),
  now,
};

/** Runs weekly: last week's NPS, CSAT, CES, drivers, overdue cases and revenue at risk, to the managers. */
export const handler = scheduledJob(
  "weekly digest",
  async () => {
    const { week, sent } = await sendWeeklyDigest(ports);
    return { week, sent };
  },
  (result) => ({ metric: "DigestsSent", count: result.sent.length, summary: result }),
);
