import { CASE_TRANSITIONS, type Case, type CasePatch, isClosed, type Priority } from "../contracts/cases";
import type { CustomerAtRiskDetail, DetailType } from "../contracts/events";
import type { FollowUpConfig } from "../contracts/follow-up-config";
import type { ResponseRecord } from "../contracts/record";

/** Publishes a case's lifecycle events (`Case Opened`, `Case Overdue`, `Case Escalated`, …). */
export interface CaseEvents {
  caseEvent(
    detailType: DetailType,
    detail: { case: Case; changes?: string[]; by?: string; level?: number },
  ): Promise<void>;
}

const HOUR_MS = 3_600_000;

/** One case per response: the id is derived from the response id, so a second open is a no-op. */
export const caseIdFor = (responseId: string) => `case-${responseId}`;

export function routeOwner(record: ResponseRecord, ruleName: string, config: FollowUpConfig): string {
  const value = record.customer?.annualValue ?? null;
  const includes = (allowed: string[] | undefined, actual: string | null | undefined) =>
    !allowed || (actual != null && allowed.includes(actual));
  const match = config.routing.find(
    ({ when }) =>
      includes(when.survey, record.survey) &&
      includes(when.touchpoint, record.touchpoint) &&
      includes(when.channel, record.channel) &&
      includes(when.segment, record.customer?.segment) &&
      includes(when.rule, ruleName) &&
      (when.minAnnualValue === undefined || (value !== null && value >= when.minAnnualValue)),
  );
  return match?.owner ?? config.defaultOwner;
}

export function priorityFor(annualValue: number | null, config: FollowUpConfig): Priority {
  if (annualValue === null) return "normal";
  if (annualValue >= config.highValueAnnualValue) return "high";
  if (annualValue < config.lowValueAnnualValue) return "low";
  return "normal";
}

/** Adds SLA hours to `start`, counting only business hours when a calendar is configured. */
export function slaDue(start: Date, hours: number, calendar?: FollowUpConfig["businessHours"]): Date {
  if (!calendar) return new Date(start.getTime() + hours * HOUR_MS);
  let remaining = hours * HOUR_MS;
  let cursor = new Date(start);
  for (let guard = 0; guard < 3660 && remaining > 0; guard++) {
    const dayStart = Date.UTC(cursor.getUTCFullYear(), cursor.getUTCMonth(), cursor.getUTCDate());
    const open = dayStart + calendar.startHour * HOUR_MS;
    const close = dayStart + calendar.endHour * HOUR_MS;
    if (calendar.days.includes(cursor.getUTCDay()) && cursor.getTime() < close) {
      const from = Math.max(cursor.getTime(), open);
      const take = Math.min(remaining, close - from);
      remaining -= take;
      if (remaining === 0) return new Date(from + take);
    }
    cursor = new Date(dayStart + 24 * HOUR_MS);
  }
  return cursor;
}

/** SLA due time: the high-value SLA for customers at or above `highValueAnnualValue`, else the default. */
function dueAtFor(annualValue: number | null, config: FollowUpConfig, now: Date): string {
  const highValue = annualValue !== null && annualValue >= config.highValueAnnualValue;
  const hours = highValue ? config.slaHours.highValue : config.slaHours.default;
  return slaDue(now, hours, config.businessHours).toISOString();
}

export function openCase(record: ResponseRecord, ruleName: string, config: FollowUpConfig, now: Date): Case {
  const annualValue = record.customer?.annualValue ?? null;
  const priority = priorityFor(annualValue, config);
  const owner = routeOwner(record, ruleName, config);
  const at = now.toISOString();
  return {
    id: caseIdFor(record.id),
    responseId: record.id,
    customerId: record.customer?.id ?? null,
    status: "open",
    owner,
    priority,
    dueAt: dueAtFor(annualValue, config, now),
    escalationLevel: 0,
    rule: ruleName,
    rootCause: null,
    notes: [],
    history: [{ at, by: "cxloop", change: `opened by rule ${ruleName}; owner ${owner}; priority ${priority}` }],
    response: record,
    churnRisk: null,
    createdAt: at,
    updatedAt: at,
    firstContactAt: null,
    closedAt: null,
    version: 1,
  };
}

/** Rule name recorded on retention cases. */
export const RETENTION_RULE = "churn-risk";

/** The ids of the retention case of one crossing: both name the customer, so an erasure renames them. */
export const retentionCaseIds = (customerId: string, since: string) => ({
  id: `retention-${customerId}-${since}`,
  responseId: `churn-risk:${customerId}:${since}`,
});

/**
 * The retention case a churn-risk crossing opens: owned by the account manager
 * (else the default owner), one per crossing, prioritised and timed like a follow-up.
 */
export function openRetentionCase(atRisk: CustomerAtRiskDetail, config: FollowUpConfig, now: Date): Case {
  const { annualValue } = atRisk;
  const priority = priorityFor(annualValue, config);
  const owner = atRisk.owner ?? config.defaultOwner;
  const at = now.toISOString();
  return {
    ...retentionCaseIds(atRisk.customerId, atRisk.since),
    customerId: atRisk.customerId,
    status: "open",
    owner,
    priority,
    dueAt: dueAtFor(annualValue, config, now),
    escalationLevel: 0,
    rule: RETENTION_RULE,
    rootCause: null,
    notes: [],
    history: [
      {
        at,
        by: "cxloop",
        change: `opened: churn risk ${atRisk.churnRisk.score} (${atRisk.churnRisk.level}); owner ${owner}; priority ${priority}`,
      },
    ],
    response: null,
    churnRisk: atRisk.churnRisk,
    createdAt: at,
    updatedAt: at,
    firstContactAt: null,
    closedAt: null,
    version: 1,
  };
}

export type PatchOutcome =
  | { ok: true; case: Case; changes: string[]; closed: boolean }
  | { ok: false; conflict: string };

/** Applies a PATCH as `actor`; every change goes into the history. Invalid status moves are conflicts. */
export function applyPatch(current: Case, patch: CasePatch, actor: string, now: Date): PatchOutcome {
  const at = now.toISOString();
  const next: Case = { ...current, history: [...current.history], notes: [...current.notes] };
  const changes: string[] = [];
  if (patch.status && patch.status !== current.status) {
    if (!CASE_TRANSITIONS[current.status].includes(patch.status))
      return {
        ok: false,
        conflict: `cannot move a case from ${current.status} to ${patch.status}; allowed: ${CASE_TRANSITIONS[current.status].join(", ") || "none (closed)"}`,
      };
    next.status = patch.status;
    if (patch.status === "contacted" && !next.firstContactAt) next.firstContactAt = at;
    if (isClosed(patch.status)) next.closedAt = at;
    changes.push(`status ${current.status} → ${patch.status}`);
  } else if (patch.status && isClosed(current.status) && Object.keys(patch).length === 1) {
    return { ok: false, conflict: `case is already ${current.status}` };
  }
  if (patch.owner && patch.owner !== current.owner) {
    next.owner = patch.owner;
    changes.push(`owner ${current.owner} → ${patch.owner}`);
  }
  if (patch.rootCause && patch.rootCause !== current.rootCause) {
    next.rootCause = patch.rootCause;
    changes.push(`root cause set to ${patch.rootCause}`);
  }
  if (patch.note) {
    next.notes.push({ at, by: actor, text: patch.note });
    changes.push("note added");
  }
  if (changes.length === 0) return { ok: true, case: current, changes, closed: false };
  next.history.push(...changes.map((change) => ({ at, by: actor, change })));
  next.updatedAt = at;
  next.version = current.version + 1;
  return { ok: true, case: next, changes, closed: isClosed(next.status) && !isClosed(current.status) };
}

export const isOverdue = (item: Case, now: Date) => !isClosed(item.status) && new Date(item.dueAt) < now;

/**
 * The escalation level an overdue case should be at now: level 1 once past due,
 * one more per `escalationIntervalHours`, capped at the configured contacts.
 * Returns null when the case is already there (so a rerun does nothing).
 */
export function escalationDue(item: Case, config: FollowUpConfig, now: Date): number | null {
  if (!isOverdue(item, now) || config.escalation.length === 0) return null;
  const overdueMs = now.getTime() - new Date(item.dueAt).getTime();
  const target = Math.min(
    config.escalation.length,
    1 + Math.floor(overdueMs / (config.escalationIntervalHours * HOUR_MS)),
  );
  return target > item.escalationLevel ? item.escalationLevel + 1 : null;
}

export function escalate(item: Case, level: number, now: Date): Case {
  const at = now.toISOString();
  return {
    ...item,
    escalationLevel: level,
    history: [...item.history, { at, by: "cxloop", change: `overdue: escalated to level ${level}` }],
    updatedAt: at,
    version: item.version + 1,
  };
}
