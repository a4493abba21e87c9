import { sendWeeklyDigest } from "../core/digest";
import {
  aggregateStore,
  caseStore,
  churnRiskThreshold,
  consoleUrl,
  customerStore,
  deliveryLog,
  digestSettings,
  eventPublisher,
  metricsTimeZone,
  notifiers,
  now,
  responseStore,
} from "./composition-root";
import { scheduledJob } from "./scheduled-job";

const responses = responseStore();
const cases = caseStore();
const ports = {
  ...notifiers(),
  aggregates: aggregateStore(),
  timeZone: metricsTimeZone(),
  // Through the retention-aware store: a comment past retention is never quoted.
  responses: { comment: async (id: string) => (await responses.get(id))?.record.comment ?? null },
  cases,
  deliveries: deliveryLog(),
  customers: customerStore(),
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
