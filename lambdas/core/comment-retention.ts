import { caseIdFor } from "./cases";

const DAY_MS = 86_400_000;
/**
 * Where the first sweep starts: the Unix epoch (a device with a reset clock
 * reports 1970). Older responses are still hidden on read and stripped on write.
 */
export const FIRST_SWEEP_FROM = "1970-01-01T00:00:00.000Z";
/**
 * Each sweep looks this far behind the watermark again, for responses the index
 * showed late (GSI propagation) or that were being written while the last sweep ran.
 */
export const SWEEP_OVERLAP_MS = 3_600_000;

/** Comments of responses submitted before this instant (ISO, UTC) are past retention. */
export const commentCutoff = (now: Date, days: number): string => new Date(now.getTime() - days * DAY_MS).toISOString();

/** The record as it may be kept or shown: without its comment once `submittedAt` is before the cutoff. */
export function withoutExpiredComment<T extends { submittedAt: string; comment: string | null }>(
  record: T,
  cutoff: string | null,
): T {
  return cutoff !== null && record.comment !== null && record.submittedAt < cutoff
    ? { ...record, comment: null }
    : record;
}

/** A stretch of one month bucket to sweep: responses submitted in [from, to); when done, the watermark is `to`. */
export interface SweepRange {
  from: string;
  to: string;
}

/** The month-bounded ranges from `from` to `to` (ISO, UTC), oldest first; none when `to` is not after `from`. */
export function sweepRanges(from: string, to: string): SweepRange[] {
  const ranges: SweepRange[] = [];
  let start = from;
  while (start < to) {
    const at = new Date(start);
    const nextMonth = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 1)).toISOString();
    const end = nextMonth < to ? nextMonth : to;
    ranges.push({ from: start, to: end });
    start = end;
  }
  return ranges;
}

export interface CommentRetentionPorts {
  responses: {
    /** Where the last sweep got to, or null before the first. */
    commentWatermark(): Promise<string | null>;
    /** Moves the watermark forward (never back). */
    saveCommentWatermark(at: string): Promise<void>;
    /** Pages of ids of responses in the range that still have a comment, each with how far it has read (null: to the end). */
    withComment(range: SweepRange): AsyncIterable<{ ids: string[]; readTo: string | null }>;
    stripComment(id: string): Promise<void>;
  };
  cases: { stripComment(caseId: string): Promise<void> };
  retentionDays: number;
  now: () => Date;
  /** False when the run should stop and leave the rest to the next one. */
  hasTime: () => boolean;
}

export interface CommentRetentionResult {
  cutoff: string;
  stripped: number;
  /** False when the run stopped early; the watermark says where the next one goes on. */
  complete: boolean;
}

/**
 * Removes the comment from every response submitted before the cutoff, and from
 * the snapshot in its case, walking only what the last sweep has not: from the
 * watermark (less the overlap) to the cutoff. Progress is saved after each page,
 * so a crash or timeout loses at most a page, and a rerun finds nothing to do.
 */
export async function expireComments(ports: CommentRetentionPorts): Promise<CommentRetentionResult> {
  const cutoff = commentCutoff(ports.now(), ports.retentionDays);
  const watermark = await ports.responses.commentWatermark();
  const from = watermark ? new Date(Date.parse(watermark) - SWEEP_OVERLAP_MS).toISOString() : FIRST_SWEEP_FROM;
  let stripped = 0;
  for (const range of sweepRanges(from, cutoff)) {
    for await (const page of ports.responses.withComment(range)) {
      // The case first: a response without its comment is not found again, so its case would keep it.
      await Promise.all(
        page.ids.map(async (id) => {
          await ports.cases.stripComment(caseIdFor(id));
          await ports.responses.stripComment(id);
        }),
      );
      stripped += page.ids.length;
      const stopping = !ports.hasTime();
      if (page.ids.length > 0 || stopping) await ports.responses.saveCommentWatermark(page.readTo ?? range.to);
      if (stopping) return { cutoff, stripped, complete: false };
    }
  }
  await ports.responses.saveCommentWatermark(cutoff);
  return { cutoff, stripped, complete: true };
}
