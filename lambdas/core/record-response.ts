import { type Journey, stageOf } from "../contracts/journey";
import type { QueuedSubmission, ResponseRecord } from "../contracts/record";
import { dayOf } from "./calendar";
import { type EnrichmentProfile, enrich } from "./enrich";
import { resolveLanguage } from "./language";
import { hasWords, type SentimentAnalyzer } from "./sentiment";
import type { ThemeMatcher } from "./themes";

/** What recording a response needs from the outside world. */
export interface RecordResponsePorts {
  sentiment: SentimentAnalyzer;
  themes: ThemeMatcher;
  journey: Journey;
  customers: {
    getProfile(id: string): Promise<EnrichmentProfile | null>;
    /** Creates a minimal profile for a customer first seen in a response; never overwrites one. */
    ensureMinimal(id: string, now: Date): Promise<void>;
  };
  responses: {
    putIfAbsent(record: ResponseRecord): Promise<{ created: boolean; stored: ResponseRecord }>;
  };
  events: { responseRecorded(record: ResponseRecord): Promise<void> };
  /** Marks the day a response counts in (in the metrics time zone), so the metrics rollup recomputes it. */
  metrics: { timeZone: string; markDayChanged(day: string, at: Date): Promise<void> };
  now: () => Date;
}

export type RecordOutcome = "recorded" | "duplicate";

/**
 * Enriches and stores one submission exactly once, then publishes its `Response Recorded` event. A
 * redelivered message finds the stored record and publishes _it_ again: the earlier attempt may have
 * stopped before publishing, and no mark says whether it did. Consumers take an event they have seen
 * as a no-op (one case per response id, an at-risk crossing claimed once, a webhook id derived from the
 * response and its revision), so a mark would only say what they already tolerate, and it cost a
 * rewrite of the record and both its index copies on every response. The response's day is marked
 * changed for the metrics rollup on every attempt, so a crash between storing and marking cannot leave
 * it uncounted.
 */
export async function recordResponse(submission: QueuedSubmission, ports: RecordResponsePorts): Promise<RecordOutcome> {
  const comment = hasWords(submission.comment) ? submission.comment : null;
  // One language for sentiment and themes; Comprehend is given it too, so a comment without a locale is not read as English.
  const language = comment ? resolveLanguage(comment, submission.locale) : undefined;
  const [sentiment] = comment ? await ports.sentiment.analyze([comment], language) : [];
  const profile = submission.customer ? await ports.customers.getProfile(submission.customer.id) : null;
  const record = enrich(submission, {
    sentiment: sentiment ?? null,
    profile,
    themes: ports.themes,
    now: ports.now(),
    language,
    stage: stageOf(ports.journey, submission.touchpoint),
  });

  const { created, stored } = await ports.responses.putIfAbsent(record);
  // A redelivery may find the record moved since: under a pseudonym (the customer was erased) or another id
  // (merged). It must not bring a profile back for the old id, and publishes nothing: the move came after the
  // response's own deliveries (erasure and merge are people's actions, minutes or days later), and it has told
  // the rollup and the consumers itself.
  const customerId = submission.customer?.id;
  const movedSince = customerId !== undefined && stored.customer?.id !== customerId;
  if (customerId && !profile && !movedSince) await ports.customers.ensureMinimal(customerId, ports.now());
  if (movedSince) return "duplicate";
  await ports.metrics.markDayChanged(dayOf(stored.submittedAt, ports.metrics.timeZone), ports.now());
  // Employee answers are counted, never published: no rule, webhook or case ever sees one.
  if (stored.type !== "enps") await ports.events.responseRecorded(stored);
  return created ? "recorded" : "duplicate";
}
