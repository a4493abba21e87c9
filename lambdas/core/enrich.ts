import type { CustomerSnapshot, QueuedSubmission, ResponseRecord, Sentiment } from "../contracts/record";
import type { EmployeeGroup } from "../contracts/submission";
import type { Language } from "./language";
import { categorize } from "./scoring";
import { hasWords } from "./sentiment";
import type { ThemeMatcher } from "./themes";

/** Operational profile fields that are copied onto each response at enrichment time. */
export interface EnrichmentProfile {
  id: string;
  email?: string;
  name?: string;
  segment?: string;
  plan?: string;
  annualValue?: number;
  currency?: string;
  renewalDate?: string;
}

export function customerSnapshot(
  reference: QueuedSubmission["customer"],
  profile: EnrichmentProfile | null,
): CustomerSnapshot | null {
  if (!reference) return null;
  return {
    id: reference.id,
    ...((reference.email ?? profile?.email) ? { email: reference.email ?? profile?.email } : {}),
    ...((reference.name ?? profile?.name) ? { name: reference.name ?? profile?.name } : {}),
    segment: profile?.segment ?? null,
    plan: profile?.plan ?? null,
    annualValue: profile?.annualValue ?? null,
    currency: profile?.currency ?? null,
    renewalDate: profile?.renewalDate ?? null,
  };
}

/**
 * A record as stored: an employee answer also keeps its team and location, which only the eNPS rollup reads; the
 * read API's record schema leaves them out, so no single employee answer is ever shown with its group.
 */
export type StoredRecord = ResponseRecord & { employee?: EmployeeGroup };

/** Turns a queued submission into the stored record. Pure: sentiment and profile are looked up by the caller. */
export function enrich(
  submission: QueuedSubmission,
  lookups: {
    sentiment: Sentiment | null;
    profile: EnrichmentProfile | null;
    themes: ThemeMatcher;
    now: Date;
    /** The comment's language (core/language), when it has one. */
    language?: Language;
    /** The journey stage of the submission's touchpoint. */
    stage: string | null;
  },
): StoredRecord {
  const score = submission.score ?? null;
  const scale = submission.scale ?? null;
  const comment = submission.comment ?? null;
  const analysable = hasWords(comment);
  return {
    id: submission.id,
    type: submission.type,
    score,
    scale,
    category: categorize(submission.type, score, scale),
    comment,
    sentiment: analysable ? lookups.sentiment : null,
    themes: analysable ? lookups.themes(comment, lookups.language) : [],
    survey: submission.survey ?? null,
    channel: submission.channel ?? null,
    touchpoint: submission.touchpoint ?? null,
    stage: lookups.stage,
    customer: customerSnapshot(submission.customer, lookups.profile),
    submittedAt: submission.submittedAt,
    receivedAt: submission.receivedAt,
    enrichedAt: lookups.now.toISOString(),
    attributes: submission.attributes ?? {},
    locale: submission.locale ?? null,
    ...(analysable && lookups.language ? { language: lookups.language } : {}),
    ...(submission.revision ? { revision: submission.revision } : {}),
    ...(submission.employee ? { employee: submission.employee } : {}),
  };
}
