import type { Case } from "../contracts/cases";
import { DetailType } from "../contracts/events";
import type { FollowUpConfig } from "../contracts/follow-up-config";
import { type CaseEvents, escalate, escalationDue } from "./cases";

export interface SweepPorts {
  cases: { activeDueBefore(at: Date): Promise<Case[]>; save(next: Case, read: Case): Promise<void> };
  events: CaseEvents;
  config: FollowUpConfig;
  now: () => Date;
  isConflict: (error: unknown) => boolean;
}

/**
 * Escalates every overdue case by one level when its time has come. Events go
 * out before the save: if the save then loses a race, the alert is a duplicate
 * that the delivery log drops, never a lost one.
 */
export async function sweepOverdue(ports: SweepPorts): Promise<{ checked: number; escalated: string[] }> {
  const now = ports.now();
  const due = await ports.cases.activeDueBefore(now);
  const escalated: string[] = [];
  for (const item of due) {
    const level = escalationDue(item, ports.config, now);
    if (level === null) continue;
    const next = escalate(item, level, now);
    await ports.events.caseEvent(DetailType.CaseOverdue, { case: next, level });
    await ports.events.caseEvent(DetailType.CaseEscalated, { case: next, level });
    try {
      await ports.cases.save(next, item);
      escalated.push(item.id);
    } catch (error) {
      if (!ports.isConflict(error)) throw error;
    }
  }
  return { checked: due.length, escalated };
}
