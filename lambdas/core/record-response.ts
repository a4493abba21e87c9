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
    putIfAbsent(record: ResponseRecord): Promise<{
      created: boolean;
      stored: { record: ResponseRecord; publishedAt: string | null };
    }>;
    markPublished(id: string, at: Date): Promise<void>;
  };
  events: { responseRecorded(record: ResponseRecord): Promise<void> };
  /** Marks the day a response counts in (in the metrics time zone), so the metrics rollup recomputes it. */
  metrics: { timeZone: string; markDayChanged(day: string, at: Date): Promise<void> };
  now: () => Date;
}

export type RecordOutcome = "recorded" | "duplicate" | "published-after-retry";

/**
 * Enriches and stores one submission exactly once, then makes sure its
 * `Response Recorded` event is published. A redelivered message finds the
 * stored record: if its event already went out nothing happens; if the
 * earlier attempt failed before publishing, the stored record is published now.
 * The response's day is marked changed for the metrics rollup on every attempt that
 * gets this far, so a crash between storing and marking cannot leave it uncounted.
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
  // After storing, and only while the stored record is still the customer's: a redelivery after their
  // erasure finds the record under a pseudonym and must not bring a profile back for the erased id.
  const customerId = submission.customer?.id;
  if (customerId && !profile && stored.record.customer?.id === customerId)
    await ports.customers.ensureMinimal(customerId, ports.now());
  if (!created && stored.publishedAt) return "duplicate";
  // Before publishing: a delivery that published has marked the day, so a duplicate may stop above.
  await ports.metrics.markDayChanged(dayOf(stored.record.submittedAt, ports.metrics.timeZone), ports.now());
  // Employee answers are counted, never published: no rule, webhook or case ever sees one.
  if (stored.record.type !== "enps") await ports.events.responseRecorded(stored.record);
  await ports.responses.markPublished(stored.record.id, ports.now());
  return created ? "recorded" : "published-after-retry";
}
