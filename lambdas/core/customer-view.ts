import { type Case, isClosed } from "../contracts/cases";
import type { CustomerProfile, OperationalEvent } from "../contracts/customers";
import type { ResponseRecord } from "../contracts/record";
import { isOverdue } from "./cases";
import { type ChurnRisk, churnRisk } from "./churn";

const DAY_MS = 86_400_000;
type Scored = "nps" | "csat" | "ces";

export interface LatestScore {
  score: number;
  category: string | null;
  at: string;
  /** Change against the answer of the same type before it. */
  trend: number | null;
}

/** The 360° view: profile, latest score per type with its trend, risk with reasons, history. */
export function customerView(
  profile: CustomerProfile | null,
  responses: readonly ResponseRecord[],
  cases: readonly Case[],
  events: readonly OperationalEvent[],
  now: Date,
) {
  const byType = (type: Scored) =>
    responses
      .filter((response) => response.type === type && response.score !== null)
      .sort((a, b) => b.submittedAt.localeCompare(a.submittedAt));
  const latest = (type: Scored): LatestScore | null => {
    const [last, previous] = byType(type);
    if (!last || last.score === null) return null;
    return {
      score: last.score,
      category: last.category,
      at: last.submittedAt,
      trend: previous?.score != null ? last.score - previous.score : null,
    };
  };
  const latestScores = { nps: latest("nps"), csat: latest("csat"), ces: latest("ces") };
  const within = (days: number, type: OperationalEvent["type"]) =>
    events.filter((event) => event.type === type && now.getTime() - new Date(event.time).getTime() <= days * DAY_MS)
      .length;
  const [lastNps, previousNps] = byType("nps");
  const risk: ChurnRisk = churnRisk(
    {
      latestNps:
        lastNps?.score != null
          ? { score: lastNps.score, category: lastNps.category as "promoter" | "passive" | "detractor" }
          : null,
      previousNpsScore: previousNps?.score ?? null,
      latestCsatCategory: (latestScores.csat?.category ?? null) as ChurnRiskInput["latestCsatCategory"],
      latestCesCategory: (latestScores.ces?.category ?? null) as ChurnRiskInput["latestCesCategory"],
      openCases: cases.filter((item) => !isClosed(item.status)).length,
      overdueCases: cases.filter((item) => isOverdue(item, now)).length,
      renewalDate: profile?.renewalDate ?? null,
      returnsLast90Days: within(90, "return"),
      supportTicketsLast30Days: within(30, "support-ticket"),
    },
    now,
  );
  return {
    profile,
    latestScores,
    churnRisk: risk,
    responses: [...responses].sort((a, b) => b.submittedAt.localeCompare(a.submittedAt)),
    cases: [...cases].sort((a, b) => b.createdAt.localeCompare(a.createdAt)),
    events: [...events].sort((a, b) => b.time.localeCompare(a.time)),
  };
}
type ChurnRiskInput = Parameters<typeof churnRisk>[0];
