import { isDeepStrictEqual } from "node:util";
import { type Case, isClosed } from "../contracts/cases";
import type { CustomerProfile, OperationalEvent } from "../contracts/customers";
import type { ResponseRecord } from "../contracts/record";
import type { ChurnRisk } from "./churn";
import { customerView } from "./customer-view";

export type CustomerRollups = NonNullable<CustomerProfile["rollups"]>;

/** What the last assessment stored: its risk (without when) and whether it left the customer at risk. */
export interface StoredAssessment {
  churnRisk: ChurnRisk | null;
  atRisk: boolean;
}

export interface CustomerRiskPorts {
  /**
   * `justStored`: responses of the customer the caller stored a moment ago, which the by-customer index may not
   * show yet (on AWS it lags a write a little); the history loaded must hold them.
   */
  load(
    customerId: string,
    justStored: readonly ResponseRecord[],
  ): Promise<{
    profile: CustomerProfile | null;
    /** What the profile holds from the last assessment; null without a profile. */
    assessed: StoredAssessment | null;
    responses: ResponseRecord[];
    /** All of the customer's responses, not only the recent ones loaded above. */
    responseCount: number;
    cases: Case[];
    events: OperationalEvent[];
  }>;
  /**
   * Stores the new risk and the profile's rollups. `atRisk` true claims the at-risk flag
   * (only one caller wins a crossing and is told so); false clears it, so a later crossing counts again.
   */
  saveRisk(
    customerId: string,
    risk: ChurnRisk & { assessedAt: string },
    atRisk: boolean,
    rollups: CustomerRollups,
  ): Promise<{ crossed: boolean }>;
  publishAtRisk(detail: {
    customerId: string;
    churnRisk: ChurnRisk;
    profile: CustomerProfile | null;
    trigger: string;
    since: string;
  }): Promise<void>;
  threshold: number;
  now: () => Date;
}

/**
 * A customer's responses as the by-customer index orders them (submittedAt, then id, newest first), from a
 * window read through it and the responses just stored, which it may not show yet. A response in both is
 * kept once, in its higher revision.
 */
export function newestResponses(
  window: readonly ResponseRecord[],
  justStored: readonly ResponseRecord[],
): ResponseRecord[] {
  const byId = new Map(window.map((record) => [record.id, record]));
  for (const record of justStored) {
    const listed = byId.get(record.id);
    if (!listed || (record.revision ?? 0) > (listed.revision ?? 0)) byId.set(record.id, record);
  }
  const indexKey = (record: ResponseRecord) => `${record.submittedAt}#${record.id}`;
  return [...byId.values()].sort((a, b) => (indexKey(a) < indexKey(b) ? 1 : -1));
}

const sameRisk = (a: ChurnRisk | null, b: ChurnRisk) =>
  a !== null && a.score === b.score && a.level === b.level && isDeepStrictEqual(a.reasons, b.reasons);

/**
 * Recomputes a customer's churn risk and publishes `Customer At Risk` once per
 * crossing of the threshold, however many responses or events push it there.
 * Nothing is written when the risk, the at-risk flag and the rollups are what the profile holds
 * already (a redelivered event, or one that changes nothing the profile shows): the write is what
 * an assessment costs, and an unchanged flag can cross nothing.
 */
export async function assessCustomerRisk(
  customerId: string,
  trigger: string,
  ports: CustomerRiskPorts,
  justStored: readonly ResponseRecord[] = [],
) {
  const data = await ports.load(customerId, justStored);
  const now = ports.now();
  // Every customer seen in a response or event has a profile (minimal at least); without one there is nothing to track.
  if (!data.profile) return { churnRisk: null, crossed: false };
  const view = customerView(data.profile, data.responses, data.cases, data.events, now);
  const { churnRisk } = view;
  const score = (latest: { score: number; at: string } | null) =>
    latest ? { score: latest.score, at: latest.at } : null;
  const rollups: CustomerRollups = {
    latestScores: {
      nps: score(view.latestScores.nps),
      csat: score(view.latestScores.csat),
      ces: score(view.latestScores.ces),
    },
    responseCount: data.responseCount,
    lastResponseAt: view.responses[0]?.submittedAt ?? null,
    openCases: data.cases.filter((item) => !isClosed(item.status)).length,
  };
  const atRisk = churnRisk.score >= ports.threshold;
  const { assessed } = data;
  if (
    assessed &&
    assessed.atRisk === atRisk &&
    sameRisk(assessed.churnRisk, churnRisk) &&
    isDeepStrictEqual(data.profile.rollups, rollups)
  )
    return { churnRisk, crossed: false };
  const { crossed } = await ports.saveRisk(
    customerId,
    { ...churnRisk, assessedAt: now.toISOString() },
    atRisk,
    rollups,
  );
  if (crossed)
    await ports.publishAtRisk({ customerId, churnRisk, profile: data.profile, trigger, since: now.toISOString() });
  return { churnRisk, crossed };
}
