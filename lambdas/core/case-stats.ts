import { type Case, type CaseStats, isClosed } from "../contracts/cases";
import { isOverdue } from "./cases";

/**
 * Loop health (`GET /v1/cases/stats`) without reading every case ever opened: the lifetime figures come from
 * counters that each case write adds its change to (in the same transaction as the write, so a retried or
 * conflicting write never counts twice), and open, overdue and per-owner figures from the active cases, which
 * are the backlog, not the history.
 *
 * The median time to first contact comes from a histogram of those times: one bucket per 1% step of duration
 * (bucket i ≥ 1 holds [1 s · 1.01^(i−1), 1 s · 1.01^i)), each with its count and the sum of its times, and
 * bucket 0 for under a second. The median is read from the buckets of its middle rank(s), each as the mean of
 * its times: within 1% of the exact median (any two times in one bucket differ by less than 1%), exact when the
 * times in those buckets are equal, and within a second below one second. Ten years fit in about 2,000 buckets.
 */

const HOUR_MS = 3_600_000;
const BUCKET_BASE_MS = 1000;
const BUCKET_GROWTH = 1.01;
const round2 = (n: number) => Math.round(n * 100) / 100;

/** The histogram bucket of a time to first contact, in ms. */
export function contactBucket(ms: number): number {
  if (ms < BUCKET_BASE_MS) return 0;
  return 1 + Math.floor(Math.log(ms / BUCKET_BASE_MS) / Math.log(BUCKET_GROWTH));
}

/** The lifetime sums the counters hold. */
export interface CaseTotals {
  cases: number;
  contacted: number;
  /** Sum of the times to first contact, ms, for the mean. */
  contactMs: number;
  closed: number;
  withinSla: number;
}
export interface ContactBucket {
  index: number;
  count: number;
  ms: number;
}
export interface CaseCounters {
  totals: CaseTotals;
  buckets: ContactBucket[];
}
/** What a write adds to the counters: signed totals and bucket changes (a bucket's count may go down). */
export type CountersDelta = CaseCounters;

const ZERO: CaseTotals = { cases: 0, contacted: 0, contactMs: 0, closed: 0, withinSla: 0 };
const TOTAL_FIELDS = Object.keys(ZERO) as (keyof CaseTotals)[];

/** A case's time to first contact in ms (never negative), or null while it has had none. */
function contactMsOf(item: Case): number | null {
  if (!item.firstContactAt) return null;
  return Math.max(0, new Date(item.firstContactAt).getTime() - new Date(item.createdAt).getTime());
}

/** What one case, as it is now, contributes to the counters. */
export function caseContribution(item: Case): CaseCounters {
  const contactMs = contactMsOf(item);
  const closed = isClosed(item.status) && item.closedAt !== null;
  return {
    totals: {
      cases: 1,
      contacted: contactMs === null ? 0 : 1,
      contactMs: contactMs ?? 0,
      closed: closed ? 1 : 0,
      withinSla: closed && (item.closedAt as string) <= item.dueAt ? 1 : 0,
    },
    buckets: contactMs === null ? [] : [{ index: contactBucket(contactMs), count: 1, ms: contactMs }],
  };
}

/** Sums counters (and deltas); buckets that cancel out are dropped. */
export function addCounters(...parts: CaseCounters[]): CaseCounters {
  const totals = { ...ZERO };
  const buckets = new Map<number, ContactBucket>();
  for (const part of parts) {
    for (const field of TOTAL_FIELDS) totals[field] += part.totals[field];
    for (const bucket of part.buckets) {
      const sum = buckets.get(bucket.index) ?? { index: bucket.index, count: 0, ms: 0 };
      sum.count += bucket.count;
      sum.ms += bucket.ms;
      buckets.set(bucket.index, sum);
    }
  }
  return {
    totals,
    buckets: [...buckets.values()].filter((b) => b.count !== 0 || b.ms !== 0).sort((a, b) => a.index - b.index),
  };
}

const negated = (counters: CaseCounters): CaseCounters => ({
  totals: Object.fromEntries(TOTAL_FIELDS.map((field) => [field, -counters.totals[field]])) as unknown as CaseTotals,
  buckets: counters.buckets.map((bucket) => ({ index: bucket.index, count: -bucket.count, ms: -bucket.ms })),
});

/** What a write from `before` (null: the case is new) to `after` changes in the counters. */
export function countersDelta(before: Case | null, after: Case): CountersDelta {
  return addCounters(caseContribution(after), ...(before ? [negated(caseContribution(before))] : []));
}

export const isNoChange = (delta: CountersDelta) =>
  delta.buckets.length === 0 && TOTAL_FIELDS.every((field) => delta.totals[field] === 0);

/** The counters of a set of cases: what the backfill adds for the cases it counts. */
export const countersOf = (cases: readonly Case[]): CaseCounters => addCounters(...cases.map(caseContribution));

/** The time (ms) at 0-based rank `rank` of the histogram, as its bucket's mean. */
function atRank(buckets: readonly ContactBucket[], rank: number): number {
  let seen = 0;
  for (const bucket of buckets) {
    seen += bucket.count;
    if (rank < seen) return bucket.ms / bucket.count;
  }
  throw new Error(`rank ${rank} is past the histogram's ${seen} times`);
}

function medianMs(buckets: readonly ContactBucket[]): number | null {
  const present = buckets.filter((bucket) => bucket.count > 0);
  const count = present.reduce((sum, bucket) => sum + bucket.count, 0);
  if (count === 0) return null;
  return (atRank(present, Math.floor((count - 1) / 2)) + atRank(present, Math.floor(count / 2))) / 2;
}

/** The stats from the lifetime counters and the cases not closed (open, overdue and per owner come from these). */
export function caseStatsFrom(counters: CaseCounters, active: readonly Case[], now: Date): CaseStats {
  const { totals } = counters;
  const owners = new Map<string, { open: number; overdue: number }>();
  let overdue = 0;
  for (const item of active) {
    const entry = owners.get(item.owner) ?? { open: 0, overdue: 0 };
    entry.open += 1;
    if (isOverdue(item, now)) {
      entry.overdue += 1;
      overdue += 1;
    }
    owners.set(item.owner, entry);
  }
  const median = medianMs(counters.buckets);
  return {
    cases: totals.cases,
    open: active.length,
    overdue,
    closedWithinSla: {
      closed: totals.closed,
      withinSla: totals.withinSla,
      percent: totals.closed ? round2((100 * totals.withinSla) / totals.closed) : null,
    },
    timeToFirstContactHours: {
      contacted: totals.contacted,
      median: median === null ? null : round2(median / HOUR_MS),
      mean: totals.contacted ? round2(totals.contactMs / totals.contacted / HOUR_MS) : null,
    },
    byOwner: [...owners.entries()]
      .map(([owner, counts]) => ({ owner, ...counts }))
      .sort((a, b) => b.overdue - a.overdue || b.open - a.open || a.owner.localeCompare(b.owner)),
  };
}

/** The stats of a whole set of cases: what the counters give once every case is counted. */
export const caseStats = (cases: readonly Case[], now: Date): CaseStats =>
  caseStatsFrom(
    countersOf(cases),
    cases.filter((item) => !isClosed(item.status)),
    now,
  );

export interface CaseStatsPorts {
  cases: {
    /** The counters, or null until every case written before they existed has been counted into them. */
    counters(): Promise<CaseCounters | null>;
    active(): Promise<Case[]>;
    /** Counts the cases not yet counted, while `hasTime`; true once none is left. */
    backfillCounters(hasTime: () => boolean): Promise<boolean>;
    all(): Promise<Case[]>;
  };
  now: () => Date;
}

/**
 * `GET /v1/cases/stats`. A table with cases from before the counters existed is counted into them first, within
 * the time budget and continued by the next request; until that is done the answer is computed from every case,
 * so it is never wrong, only slower.
 */
export async function currentCaseStats(ports: CaseStatsPorts, hasTime: () => boolean): Promise<CaseStats> {
  const counters = await ports.cases.counters();
  if (counters) return caseStatsFrom(counters, await ports.cases.active(), ports.now());
  if (await ports.cases.backfillCounters(hasTime)) {
    const counted = await ports.cases.counters();
    if (counted) return caseStatsFrom(counted, await ports.cases.active(), ports.now());
  }
  return caseStats(await ports.cases.all(), ports.now());
}
