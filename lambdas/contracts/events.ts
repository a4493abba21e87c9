import * as z from "zod";
import { caseSchema } from "./cases";
import { churnRiskSchema } from "./churn";
import { customerSnapshotSchema, type ResponseRecord, responseRecordSchema } from "./record";

/** Source of every event cxloop publishes; rules match on it. */
export const EVENT_SOURCE = "cxloop";

export const DetailType = {
  ResponseRecorded: "Response Recorded",
  CaseOpened: "Case Opened",
  CaseUpdated: "Case Updated",
  CaseOverdue: "Case Overdue",
  CaseEscalated: "Case Escalated",
  CaseClosed: "Case Closed",
  CustomerAtRisk: "Customer At Risk",
  MetricsComputed: "Metrics Computed",
  ActionPlanOffTrack: "Action Plan Off Track",
} as const;
export type DetailType = (typeof DetailType)[keyof typeof DetailType];

/**
 * The customer as events show them: the snapshot without email and name. Events outlive an erasure (in the
 * archive, in every consumer's copy), so they carry no contact details; whoever needs the name reads it from
 * the table, where erasure reaches it.
 */
export const eventCustomerSnapshotSchema = customerSnapshotSchema.omit({ email: true, name: true });
const eventResponseSchema = responseRecordSchema.extend({ customer: eventCustomerSnapshotSchema.nullable() });

/**
 * Version 2 of `Response Recorded` and the case events dropped the customer's email and name (version 1 carried
 * them). Only 2 is published; consumers still read 1 (an archive replay of older events), and reading through
 * these schemas drops the email and name it holds.
 */
const contactFreeVersion = z.literal([1, 2]);
const PUBLISHED_VERSION = 2;

/** `Response Recorded` v2: the enriched record, flat, so rules can filter on `detail.category` and friends. */
export const responseRecordedDetailSchema = eventResponseSchema
  .extend({ schemaVersion: contactFreeVersion })
  .meta({ id: "ResponseRecordedDetail" });
export type ResponseRecordedDetail = z.infer<typeof responseRecordedDetailSchema>;

/** The `Response Recorded` detail of a stored record: what is published, and what rules are tested against. */
export const responseRecordedDetail = (record: ResponseRecord): ResponseRecordedDetail =>
  responseRecordedDetailSchema.parse({ ...record, schemaVersion: PUBLISHED_VERSION });

/** `Case Opened`, `Case Updated`, `Case Closed`, `Case Overdue`, `Case Escalated` v2: the case as it is after the change. */
export const caseEventDetailSchema = z
  .object({
    schemaVersion: contactFreeVersion,
    case: caseSchema.extend({ response: eventResponseSchema.nullable() }),
    /** What changed, for updates and closes. */
    changes: z.array(z.string()).optional(),
    by: z.string().optional(),
    /** The escalation level reached, for overdue and escalated. */
    level: z.int().optional(),
  })
  .meta({ id: "CaseEventDetail" });
export type CaseEventDetail = z.infer<typeof caseEventDetailSchema>;

/** The detail of a case event as published: parsing drops the email and name a stored case's snapshot may hold. */
export const caseEventDetail = (detail: Omit<CaseEventDetail, "schemaVersion">): CaseEventDetail =>
  caseEventDetailSchema.parse({ ...detail, schemaVersion: PUBLISHED_VERSION });

/** `Customer At Risk` v1: published once each time a customer's churn risk crosses the configured threshold. */
export const customerAtRiskDetailSchema = z
  .object({
    schemaVersion: z.literal(1),
    customerId: z.string(),
    churnRisk: churnRiskSchema,
    segment: z.string().nullable(),
    annualValue: z.number().nullable(),
    owner: z.string().nullable(),
    /** What made cxloop look again: a response id or an operational event id. */
    trigger: z.string(),
    /** When this crossing happened; with the customer id it names the crossing. */
    since: z.iso.datetime({ offset: true }),
  })
  .meta({ id: "CustomerAtRiskDetail" });
export type CustomerAtRiskDetail = z.infer<typeof customerAtRiskDetailSchema>;

const periodScore = z.object({
  score: z.number().nullable(),
  responses: z.int(),
  change: z.number().nullable(),
  /** Two-sided p-value of the change (see docs/metrics.md); null without both weeks' answers. */
  pValue: z.number().nullable(),
  significant: z.boolean(),
  /** Too few answers in one of the weeks for the change to be called significant. */
  insufficient: z.boolean(),
});

/** `Metrics Computed` v1: the weekly summary the digest sends, for any other consumer of the week's figures. */
export const metricsComputedDetailSchema = z
  .object({
    schemaVersion: z.literal(1),
    period: z.object({ from: z.string(), to: z.string() }),
    nps: periodScore,
    csat: periodScore,
    ces: z.array(periodScore.extend({ scale: z.string() })),
    topNegativeDrivers: z.array(z.object({ theme: z.string(), impact: z.number().nullable(), mentions: z.int() })),
    overdueCases: z.int(),
    revenueAtRisk: z.array(z.object({ currency: z.string(), total: z.number() })),
  })
  .meta({ id: "MetricsComputedDetail" });
export type MetricsComputedDetail = z.infer<typeof metricsComputedDetailSchema>;

/**
 * `Action Plan Off Track` v1: an active plan past half its time whose metric has not moved toward its target
 * (docs/metrics.md, "Action plans"). Published once per spell off track, by the daily review.
 */
export const actionPlanOffTrackDetailSchema = z
  .object({
    schemaVersion: z.literal(1),
    plan: z.object({
      id: z.string(),
      title: z.string(),
      owner: z.string(),
      metric: z.enum(["nps", "csat", "ces"]),
      theme: z.string().nullable(),
      target: z.object({ value: z.number(), by: z.string() }),
      startsAt: z.string(),
    }),
    effect: z.object({
      baseline: z.number().nullable().meta({ description: "the metric before the plan started" }),
      current: z.number().nullable().meta({ description: "the metric since it started" }),
      progress: z.number().nullable().meta({ description: "share of the way from the baseline to the target" }),
      elapsed: z.number().meta({ description: "share of the plan's time gone" }),
    }),
    /** The day the review found it off track; with the plan id it names the spell. */
    since: z.iso.date(),
  })
  .meta({ id: "ActionPlanOffTrackDetail" });
export type ActionPlanOffTrackDetail = z.infer<typeof actionPlanOffTrackDetailSchema>;
