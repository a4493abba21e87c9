import type { Case } from "../contracts/cases";
import { type CustomerAtRiskDetail, DetailType } from "../contracts/events";
import { type FollowUpConfig, followUpEventPattern } from "../contracts/follow-up-config";
import type { ResponseRecord } from "../contracts/record";
import type { Alert } from "./alerts";
import { alertFor } from "./alerts";
import { escalate, escalationDue, openCase, openRetentionCase } from "./cases";
import { matchesEventPattern } from "./event-pattern";

export interface CaseEvents {
  caseEvent(
    detailType: DetailType,
    detail: { case: Case; changes?: string[]; by?: string; level?: number },
  ): Promise<void>;
}

export interface FollowUpPorts {
  cases: {
    createIfAbsent(value: Case): Promise<{ created: boolean; stored: Case; publishedAt: string | null }>;
    markPublished(id: string, at: Date): Promise<void>;
  };
  events: CaseEvents;
  config: FollowUpConfig;
  now: () => Date;
}

/** The first configured rule whose pattern matches the `Response Recorded` event, if any. */
export function matchingRule(event: unknown, config: FollowUpConfig) {
  return config.rules.find((rule) => matchesEventPattern(followUpEventPattern(rule), event));
}

export type FollowUpOutcome = "opened" | "already-open" | "published-after-retry" | "no-rule";

/**
 * Opens the follow-up case for a response exactly once and makes sure `Case
 * Opened` goes out: a redelivered event finds the case, and publishes it only
 * if the earlier attempt stopped before publishing.
 */
export async function followUp(event: { detail: ResponseRecord }, ports: FollowUpPorts): Promise<FollowUpOutcome> {
  const rule = matchingRule(event, ports.config);
  if (!rule) return "no-rule";
  const { created, stored, publishedAt } = await ports.cases.createIfAbsent(
    openCase(event.detail, rule.name, ports.config, ports.now()),
  );
  if (!created && publishedAt) return "already-open";
  await ports.events.caseEvent(DetailType.CaseOpened, { case: stored });
  await ports.cases.markPublished(stored.id, ports.now());
  return created ? "opened" : "published-after-retry";
}

/** Opens the retention case for a churn-risk crossing, once, and publishes `Case Opened`. */
export async function followUpAtRisk(detail: CustomerAtRiskDetail, ports: FollowUpPorts): Promise<FollowUpOutcome> {
  const { created, stored, publishedAt } = await ports.cases.createIfAbsent(
    openRetentionCase(detail, ports.config, ports.now()),
  );
  if (!created && publishedAt) return "already-open";
  await ports.events.caseEvent(DetailType.CaseOpened, { case: stored });
  await ports.cases.markPublished(stored.id, ports.now());
  return created ? "opened" : "published-after-retry";
}

export interface SweepPorts {
  cases: { activeDueBefore(at: Date): Promise<Case[]>; save(next: Case, expectedVersion: number): Promise<void> };
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
      await ports.cases.save(next, item.version);
      escalated.push(item.id);
    } catch (error) {
      if (!ports.isConflict(error)) throw error;
    }
  }
  return { checked: due.length, escalated };
}

export class AlertDeliveryError extends Error {}

export interface NotifyPorts {
  deliveries: {
    alertDelivered(caseId: string, delivery: string): Promise<boolean>;
    recordAlertDelivered(caseId: string, delivery: string, at: Date): Promise<void>;
  };
  slack: { send(name: string, message: Alert["slack"]): Promise<boolean> };
  email: { send(to: string, message: Alert["email"]): Promise<void> } | null;
  config: FollowUpConfig;
  now: () => Date;
}

/**
 * Sends a case alert on each of the contact's channels, once per channel. Every
 * channel is tried; if any failed, the alert is retried and the channels that
 * already delivered are skipped.
 */
export async function notifyCase(
  item: Case,
  trigger: { kind: "opened" } | { kind: "escalated"; level: number },
  ports: NotifyPorts,
): Promise<string[]> {
  const alert = alertFor(item, trigger, ports.config);
  if (!alert) return [];
  const channels: Channel[] = [];
  const { slack: webhook, email: address } = alert.contact;
  if (webhook)
    channels.push({
      name: "slack",
      delivery: `${alert.key}#slack`,
      send: () => ports.slack.send(webhook, alert.slack),
    });
  const email = ports.email;
  if (address && email)
    channels.push({
      name: "email",
      delivery: `${alert.key}#email`,
      send: () => email.send(address, alert.email).then(() => true),
    });
  return deliverOnce(item.id, channels, ports);
}

/** One way to send a message: its name, its key in the delivery log, and the send (false when not configured). */
export interface Channel {
  name: string;
  delivery: string;
  send: () => Promise<boolean>;
}

/**
 * Sends on every channel not yet delivered for `id`, recording each success. Every channel is
 * tried; if any failed this throws, and the retry sends only what is still missing.
 */
export async function deliverOnce(
  id: string,
  channels: readonly Channel[],
  ports: Pick<NotifyPorts, "deliveries" | "now">,
): Promise<string[]> {
  const sent: string[] = [];
  const failures: string[] = [];
  for (const channel of channels) {
    if (await ports.deliveries.alertDelivered(id, channel.delivery)) continue;
    try {
      if (await channel.send()) {
        await ports.deliveries.recordAlertDelivered(id, channel.delivery, ports.now());
        sent.push(channel.name);
      }
    } catch (error) {
      // One channel failing must not hold back the others; the retry resends only what failed.
      failures.push(`${channel.name}: ${(error as Error).message}`);
    }
  }
  if (failures.length > 0) throw new AlertDeliveryError(`${id} not delivered on ${failures.join("; ")}`);
  return sent;
}
