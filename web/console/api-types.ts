/**
 * The API's answers as the console reads them, typed from the contracts' zod schemas (type-only
 * imports: nothing of zod reaches the browser bundle), so a contract change that breaks the
 * console fails `tsc`.
 */
import type * as z from "zod";
import type {
  ActionPlanView,
  actionPlanListSchema,
  actionPlanSummarySchema,
} from "../../lambdas/contracts/action-plans";
import type { meSchema } from "../../lambdas/contracts/auth";
import type { Case, CaseStats } from "../../lambdas/contracts/cases";
import type {
  CustomerProfile,
  customerSearchSchema,
  customerViewSchema,
  erasureSchema,
  revenueAtRiskSchema,
} from "../../lambdas/contracts/customers";
import type { ErrorBody } from "../../lambdas/contracts/errors";
import type { Drivers, MetricsReport } from "../../lambdas/contracts/metrics";
import type { ResponseRecord } from "../../lambdas/contracts/record";
import type { RuleTestResult, ruleListSchema } from "../../lambdas/contracts/rules";

export type { Case, CaseStats, CustomerProfile, Drivers, ErrorBody, MetricsReport, ResponseRecord, RuleTestResult };

export type Me = z.infer<typeof meSchema>;
export type ActionPlan = ActionPlanView;
export type ActionPlanList = z.infer<typeof actionPlanListSchema>;
export type ActionPlanSummary = z.infer<typeof actionPlanSummarySchema>;
export type CustomerView = z.infer<typeof customerViewSchema>;
export type CustomerSearch = z.infer<typeof customerSearchSchema>;
export type Erasure = z.infer<typeof erasureSchema>;
export type RevenueAtRisk = z.infer<typeof revenueAtRiskSchema>;
export type RuleList = z.infer<typeof ruleListSchema>;
export type FollowUpRule = RuleList["items"][number];
export type CesMetric = MetricsReport["ces"][number];
export type ScoreChange = MetricsReport["change"]["nps"];
export type Interval = MetricsReport["nps"]["ci95"];
export type Driver = Drivers["drivers"][number];

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}
