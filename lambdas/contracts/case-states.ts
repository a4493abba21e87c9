/**
 * Case statuses, priorities and the status moves allowed between them. Kept free of zod so the
 * console can import the one table the API judges by (a move outside it is a 409).
 */
export const caseStatuses = ["open", "contacted", "resolved", "closed-no-contact"] as const;
export type CaseStatus = (typeof caseStatuses)[number];
export const priorities = ["high", "normal", "low"] as const;
export type Priority = (typeof priorities)[number];

/** Allowed status moves; anything else is a 409. */
export const CASE_TRANSITIONS: Record<CaseStatus, readonly CaseStatus[]> = {
  open: ["contacted", "closed-no-contact"],
  contacted: ["resolved", "closed-no-contact"],
  resolved: [],
  "closed-no-contact": [],
};
export const isClosed = (status: CaseStatus) => CASE_TRANSITIONS[status].length === 0;
