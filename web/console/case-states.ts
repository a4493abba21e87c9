import { CASE_TRANSITIONS, type CaseStatus, type Priority } from "../../lambdas/contracts/case-states";

export const STATUS_LABELS: Record<CaseStatus, string> = {
  open: "Open",
  contacted: "Contacted",
  resolved: "Resolved",
  "closed-no-contact": "Closed without contact",
};

export const PRIORITY_LABELS: Record<Priority, string> = { high: "High", normal: "Normal", low: "Low" };

export const isActive = (status: CaseStatus) => CASE_TRANSITIONS[status].length > 0;

/** The buttons of a case page, each the move it asks for. Their names are a contract (tests and people find them). */
export const STATUS_ACTIONS: readonly { label: string; to: CaseStatus; done: string }[] = [
  { label: "Mark contacted", to: "contacted", done: "Case marked contacted." },
  { label: "Resolve", to: "resolved", done: "Case resolved." },
  { label: "Close without contact", to: "closed-no-contact", done: "Case closed without contact." },
];
