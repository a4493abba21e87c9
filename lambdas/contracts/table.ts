/**
 * Single-table layout, shared by the CDK table definition, the adapters and the tests.
 * Responses are listed newest first through GSI1, bucketed by month so no partition
 * grows without bound; per customer through GSI2.
 */
export const TableKeys = {
  partitionKey: "pk",
  sortKey: "sk",
  ttlAttribute: "expiresAt",
  indexes: {
    byTime: { name: "gsi1", partitionKey: "gsi1pk", sortKey: "gsi1sk" },
    byCustomer: { name: "gsi2", partitionKey: "gsi2pk", sortKey: "gsi2sk" },
  },
} as const;

export const responseKey = (id: string) => ({ pk: `RESPONSE#${id}`, sk: "RESPONSE" });
export const customerKey = (id: string) => ({ pk: `CUSTOMER#${id}`, sk: "PROFILE" });
/** An erasure under way, with its pseudonym, so a retried DELETE moves the rest under the same one; removed when done. */
export const customerErasureKey = (id: string) => ({ pk: `CUSTOMER#${id}`, sk: "ERASURE" });
/**
 * One item per duplicate key (a SHA-256 of a normalized email, or of name and phone): the set of customer ids whose
 * profile has it. While two or more do, the item is in GSI1 under `CUSTOMER_DUPLICATES_PARTITION`, which
 * `GET /v1/customers/duplicates` pages through, so it never scans the table.
 */
export const customerMatchKey = (key: string) => ({ pk: `MATCHKEY#${key}`, sk: "MATCHKEY" });
export const CUSTOMER_DUPLICATES_PARTITION = "CUSTOMERS#DUPLICATES";
/** Month bucket (`YYYY-MM`, UTC) of an ISO timestamp. */
export const monthBucket = (isoTimestamp: string) => `RESPONSES#${isoTimestamp.slice(0, 7)}`;
export const customerResponsesKey = (customerId: string) => `CUSTOMER#${customerId}`;
/** A response id claimed at intake, with the fingerprint of the body that claimed it. */
export const submissionClaimKey = (id: string) => ({ pk: `CLAIM#${id}`, sk: "CLAIM" });
export const caseKey = (id: string) => ({ pk: `CASE#${id}`, sk: "CASE" });
/** Cases are listed through GSI1 by state, ordered by due time, so the SLA sweeper reads only what is due. */
export const casesByStateKey = (closed: boolean) => (closed ? "CASES#CLOSED" : "CASES#ACTIVE");
/**
 * The case stats counters (docs/architecture.md, Close the loop): the totals in a few shards, so concurrent case
 * writes seldom meet on one item; one item per time-to-first-contact bucket; the mark that every case written
 * before the counters existed has been counted into them.
 */
export const CASE_STATS_PARTITION = "CASES#STATS";
export const caseStatsTotalsKey = (shard: number) => ({ pk: CASE_STATS_PARTITION, sk: `TOTALS#${shard}` });
export const caseContactBucketKey = (index: number) => ({
  pk: CASE_STATS_PARTITION,
  sk: `CONTACT#${String(index).padStart(5, "0")}`,
});
export const caseStatsBackfilledKey = { pk: CASE_STATS_PARTITION, sk: "BACKFILLED" } as const;
/** How far the comment-retention sweep has got: every response submitted before `watermark` is done. */
export const commentRetentionWatermarkKey = { pk: "RETENTION#COMMENTS", sk: "WATERMARK" } as const;
/** One item per alert delivered (case, event, level, channel): a retried alert is never sent twice. */
export const alertDeliveryKey = (caseId: string, delivery: string) => ({ pk: `ALERT#${caseId}`, sk: delivery });
/** Days whose responses changed since the metrics rollup last ran; `version` grows with each change. */
export const CHANGED_DAYS_PARTITION = "METRICS#CHANGED";
export const changedDayKey = (day: string) => ({ pk: CHANGED_DAYS_PARTITION, sk: day });
/**
 * Day aggregates, one partition per view (the total, each dimension alone, the full cube, the
 * themes), sorted by day, so a window of one view is one query; a day may span chunks.
 */
export const aggregatePartition = (view: string) => `METRICS#${view.toUpperCase()}`;
export const dayAggregateKey = (view: string, day: string, chunk: number) => ({
  pk: aggregatePartition(view),
  sk: `${day}#${String(chunk).padStart(3, "0")}`,
});
/** Managed API keys share one partition: they are few, and listing them is one query. */
export const API_KEYS_PARTITION = "KEYS";
export const apiKeyKey = (id: string) => ({ pk: API_KEYS_PARTITION, sk: `KEY#${id}` });
export const RATE_COUNTERS_PREFIX = "RATE#";
/**
 * When a customer last answered a survey, for its throttle: under the counters' prefix (what intake may
 * read and update), keyed by a hash of the customer id, and gone with the TTL after the throttle window.
 */
export const surveyAnswerKey = (customerHash: string, survey: string) => ({
  pk: `${RATE_COUNTERS_PREFIX}answered#${customerHash}`,
  sk: survey,
});
/** One fixed-window rate counter; it expires with its window. */
export const rateCounterKey = (counter: string, windowStart: number) => ({
  pk: `${RATE_COUNTERS_PREFIX}${counter}`,
  sk: String(windowStart),
});
/** Which answer a survey link gave (its score, then its comment's hash), until the link expires. */
export const surveyLinkKey = (jti: string) => ({ pk: `LINK#${jti}`, sk: "LINK" });
/** Webhook endpoints share one partition: they are few, and the fan-out reads them all in one query per batch. */
export const WEBHOOKS_PARTITION = "WEBHOOKS";
export const webhookKey = (id: string) => ({ pk: WEBHOOKS_PARTITION, sk: `WEBHOOK#${id}` });
/** A webhook's delivery log, newest first by when the delivery began; each entry expires with the TTL. */
export const webhookDeliveriesPartition = (webhookId: string) => `WEBHOOK#${webhookId}`;
export const webhookDeliveryKey = (webhookId: string, createdAt: string, messageId: string) => ({
  pk: webhookDeliveriesPartition(webhookId),
  sk: `DELIVERY#${createdAt}#${messageId}`,
});
/** An export job: its progress and parts; gone with the TTL when its file is. */
export const exportJobKey = (id: string) => ({ pk: `EXPORT#${id}`, sk: "EXPORT" });
/**
 * Operational events are also indexed through GSI1 by the month (UTC) of their time, sorted by time, customer
 * and id, so the KPIs of a window read that window's events and nothing older (`time` in UTC ISO form).
 */
export const eventMonthBucket = (utcTime: string) => `EVENTS#${utcTime.slice(0, 7)}`;
export const eventIndexSortKey = (utcTime: string, customerId: string, id: string) => `${utcTime}#${customerId}#${id}`;
/** Action plans share one partition: a company runs tens of them, and the review and the huddle read them all. */
export const ACTION_PLANS_PARTITION = "ACTIONPLANS";
export const actionPlanKey = (id: string) => ({ pk: ACTION_PLANS_PARTITION, sk: `PLAN#${id}` });
