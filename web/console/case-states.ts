import type { CASE_TRANSITIONS, CaseStatus, Priority } from "../../lambdas/contracts/cases";

export const STATUS_LABELS: Record<CaseStatus, string> = {
  open: "Open",
  contacted: "Contacted",
  resolved: "Resolved",
  "closed-no-contact": "Closed without contact",
};
export const CASE_STATUSES = Object.keys(STATUS_LABELS) as CaseStatus[];

export const PRIORITY_LABELS: Record<Priority, string> = { high: "High", normal: "Normal", low: "Low" };
export const PRIORITIES = Object.keys(PRIORITY_LABELS) as Priority[];

/**
 * The status moves the API allows (`CASE_TRANSITIONS` in lambdas/contracts/cases.ts). Restated
 * rather than imported because that module builds zod schemas at load, which would put zod in the
 * bundle; `typeof CASE_TRANSITIONS` keeps the shape in step, the API stays the judge (409).
 */
export const ALLOWED_MOVES: typeof CASE_TRANSITIONS = {
  open: ["contacted", "closed-no-contact"],
  contacted: ["resolved", "closed-no-contact"],
  resolved: [],
  "closed-no-contact": [],
};

export const isActive = (status: CaseStatus) => ALLOWED_MOVES[status].length > 0;

/** The buttons of a case page, each the move it asks for. Their names are a contract (tests and people find them). */
export const STATUS_ACTIONS: readonly { label: string; to: CaseStatus; done: string }[] = [
  { label: "Mark contacted", to: "contacted", done: "Case marked contacted." },
  { label: "Resolve", to: "resolved", done: "Case resolved." },
  { label: "Close without contact", to: "closed-no-contact", done: "Case closed without contact." },
];
