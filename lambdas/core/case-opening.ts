import type { Case } from "../contracts/cases";
import { type CustomerAtRiskDetail, DetailType } from "../contracts/events";
import { type FollowUpConfig, followUpEventPattern } from "../contracts/follow-up-config";
import type { ResponseRecord } from "../contracts/record";
import { type CaseEvents, openCase, openRetentionCase } from "./cases";
import { matchesEventPattern } from "./event-pattern";

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
