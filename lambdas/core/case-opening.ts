import { type Case, isClosed } from "../contracts/cases";
import { type CustomerAtRiskDetail, DetailType } from "../contracts/events";
import { type FollowUpConfig, followUpEventPattern } from "../contracts/follow-up-config";
import type { ResponseRecord } from "../contracts/record";
import { type CaseEvents, openCase, openRetentionCase, RETENTION_RULE } from "./cases";
import { matchesEventPattern } from "./event-pattern";

export interface FollowUpPorts {
  cases: {
    createIfAbsent(value: Case): Promise<{ created: boolean; stored: Case; publishedAt: string | null }>;
    markPublished(id: string, at: Date): Promise<void>;
    ofCustomer(customerId: string): Promise<Case[]>;
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

/**
 * Opens the retention case for a churn-risk crossing, once, and publishes `Case Opened`. A risk that
 * dips under the threshold and crosses it again while the customer's retention case is still being
 * worked adds no second case to the queue: the one open already covers the customer.
 */
export async function followUpAtRisk(detail: CustomerAtRiskDetail, ports: FollowUpPorts): Promise<FollowUpOutcome> {
  const proposed = openRetentionCase(detail, ports.config, ports.now());
  const working = (await ports.cases.ofCustomer(detail.customerId)).find(
    (item) => item.rule === RETENTION_RULE && !isClosed(item.status) && item.id !== proposed.id,
  );
  if (working) return "already-open";
  const { created, stored, publishedAt } = await ports.cases.createIfAbsent(proposed);
  if (!created && publishedAt) return "already-open";
  await ports.events.caseEvent(DetailType.CaseOpened, { case: stored });
  await ports.cases.markPublished(stored.id, ports.now());
  return created ? "opened" : "published-after-retry";
}
