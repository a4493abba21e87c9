/**
 * Churn risk: a transparent logistic model. The weights are published in
 * docs/churn-model.md with a worked example; change them there and here together.
 */
import type { ChurnLevel, ChurnRisk } from "../contracts/churn";

export type { ChurnLevel, ChurnRisk };

export interface ChurnSignals {
  latestNps: { score: number; category: "promoter" | "passive" | "detractor" } | null;
  previousNpsScore: number | null;
  latestCsatCategory: "satisfied" | "neutral" | "dissatisfied" | null;
  latestCesCategory: "easy" | "neutral" | "hard" | null;
  openCases: number;
  overdueCases: number;
  renewalDate: string | null;
  returnsLast90Days: number;
  supportTicketsLast30Days: number;
}

export const CHURN_WEIGHTS = {
  intercept: -2.2,
  npsDetractor: 1.2,
  npsPassive: 0.3,
  npsPromoter: -0.8,
  npsDropPerPoint: 0.15,
  csatDissatisfied: 0.8,
  cesHard: 0.7,
  openCase: 0.4,
  anyOverdueCase: 0.6,
  renewalWithin30Days: 0.9,
  renewalWithin90Days: 0.4,
  returnLast90Days: 0.3,
  supportTicketLast30Days: 0.2,
} as const;

/** Caps keep one noisy signal from deciding alone. */
const CAPS = { npsDrop: 6, openCases: 3, returns: 3, tickets: 5 };

export const levelFor = (score: number): ChurnLevel => (score >= 0.6 ? "high" : score >= 0.3 ? "medium" : "low");

export function churnRisk(signals: ChurnSignals, now: Date): ChurnRisk {
  const w = CHURN_WEIGHTS;
  const contributions: [number, string][] = [];
  const add = (value: number, reason: string) => {
    if (value !== 0) contributions.push([value, reason]);
  };
  if (signals.latestNps?.category === "detractor")
    add(w.npsDetractor, `latest NPS ${signals.latestNps.score} (detractor)`);
  if (signals.latestNps?.category === "passive") add(w.npsPassive, `latest NPS ${signals.latestNps.score} (passive)`);
  if (signals.latestNps?.category === "promoter")
    add(w.npsPromoter, `latest NPS ${signals.latestNps.score} (promoter)`);
  if (signals.latestNps && signals.previousNpsScore !== null) {
    const drop = Math.min(CAPS.npsDrop, signals.previousNpsScore - signals.latestNps.score);
    if (drop > 0) add(drop * w.npsDropPerPoint, `NPS fell ${drop} points since the previous answer`);
  }
  if (signals.latestCsatCategory === "dissatisfied") add(w.csatDissatisfied, "latest CSAT dissatisfied");
  if (signals.latestCesCategory === "hard") add(w.cesHard, "latest effort score: hard");
  const open = Math.min(CAPS.openCases, signals.openCases);
  if (open > 0) add(open * w.openCase, `${signals.openCases} open follow-up case(s)`);
  if (signals.overdueCases > 0) add(w.anyOverdueCase, `${signals.overdueCases} overdue case(s)`);
  if (signals.renewalDate) {
    const days = (new Date(signals.renewalDate).getTime() - now.getTime()) / 86_400_000;
    if (days >= 0 && days <= 30) add(w.renewalWithin30Days, `renewal in ${Math.ceil(days)} days`);
    else if (days > 30 && days <= 90) add(w.renewalWithin90Days, `renewal in ${Math.ceil(days)} days`);
  }
  const returns = Math.min(CAPS.returns, signals.returnsLast90Days);
  if (returns > 0) add(returns * w.returnLast90Days, `${signals.returnsLast90Days} return(s) in 90 days`);
  const tickets = Math.min(CAPS.tickets, signals.supportTicketsLast30Days);
  if (tickets > 0)
    add(tickets * w.supportTicketLast30Days, `${signals.supportTicketsLast30Days} support ticket(s) in 30 days`);

  const z = w.intercept + contributions.reduce((sum, [value]) => sum + value, 0);
  const score = Math.round((1 / (1 + Math.exp(-z))) * 1000) / 1000;
  return {
    score,
    level: levelFor(score),
    reasons: contributions
      .filter(([value]) => value > 0)
      .sort((a, b) => b[0] - a[0])
      .map(([, reason]) => reason),
  };
}

/** Crossing happens once: from below the threshold to at or above it. */
export const crossedThreshold = (previous: number | null, next: number, threshold: number) =>
  next >= threshold && (previous === null || previous < threshold);
