import * as z from "zod";
import { historyEntrySchema } from "./cases";
import { caseIdSchema } from "./ids";
import { daySchema } from "./instants";
import type { RouteSpec } from "./routes";

/** The outer loop's statuses: a plan is planned, worked (`active`), and ends `done` or `dropped`. */
export const planStatuses = ["planned", "active", "done", "dropped"] as const;
export type PlanStatus = (typeof planStatuses)[number];
/** Where a plan may go from each status; `done` and `dropped` are final. */
export const PLAN_TRANSITIONS: Readonly<Record<PlanStatus, readonly PlanStatus[]>> = {
  planned: ["active", "dropped"],
  active: ["done", "dropped"],
  done: [],
  dropped: [],
};
export const isOpenPlan = (status: PlanStatus) => status === "planned" || status === "active";

export const planMetrics = ["nps", "csat", "ces"] as const;
export type PlanMetric = (typeof planMetrics)[number];

/**
 * How a plan is doing against its target, from the metric's change since it started:
 * `achieved` (the target is reached), `on-track` (at or ahead of the straight line from the baseline to the target),
 * `behind` (moving toward it, slower), `off-track` (not moving toward it), `insufficient` (too few answers to say),
 * `not-started` (its start is still ahead).
 */
export const planTracks = ["not-started", "insufficient", "achieved", "on-track", "behind", "off-track"] as const;
export type PlanTrack = (typeof planTracks)[number];

/** Most cases one plan can list; a plan fed by more is a theme, and the drivers show it. */
export const MAX_PLAN_CASES = 500;
/** Baseline window: as long as the plan has run, but at least 28 and at most 90 days, ending the day before it starts. */
export const BASELINE_DAYS = { min: 28, max: 90 } as const;

export const actionPlanIdSchema = z
  .string()
  .regex(/^ap_[0-9A-HJKMNP-TV-Z]{26}$/, "an action plan id is ap_ and a ULID");

const dimensionValue = z.string().min(1).max(128);
export const planFilterSchema = z
  .strictObject({
    survey: dimensionValue.optional(),
    touchpoint: dimensionValue.optional(),
    channel: dimensionValue.optional(),
    segment: dimensionValue.optional(),
    stage: dimensionValue.optional(),
  })
  .refine((filter) => Object.keys(filter).length > 0, {
    message: "name at least one of survey, touchpoint, channel, segment, stage",
  });
export type PlanFilter = z.infer<typeof planFilterSchema>;

const targetSchema = z.strictObject({
  value: z
    .number()
    .min(-100)
    .max(100)
    .meta({ description: "the metric's score to reach (NPS −100..100; CSAT, CES 0..100)" }),
  by: daySchema.meta({ description: "the day it should be reached by" }),
});

/** Cross-field rules of a plan, checked on create and on every change. */
function checkPlan(
  plan: {
    theme?: string;
    filter?: PlanFilter;
    metric?: PlanMetric;
    target?: { value: number; by: string };
    startsAt?: string;
  },
  ctx: z.RefinementCtx,
) {
  if (plan.metric !== undefined && plan.metric !== "nps" && plan.target && plan.target.value < 0)
    ctx.addIssue({ code: "custom", path: ["target", "value"], message: "a CSAT or CES score is 0 to 100" });
  if (plan.startsAt && plan.target && plan.target.by <= plan.startsAt)
    ctx.addIssue({ code: "custom", path: ["target", "by"], message: "must be after startsAt" });
}

/** `POST /v1/action-plans`: a systemic fix, tied to a driver theme and/or a slice of the responses. */
export const actionPlanInputSchema = z
  .strictObject({
    title: z.string().trim().min(1).max(200),
    owner: z.string().trim().min(1).max(200),
    description: z.string().trim().min(1).max(5000).optional(),
    theme: z.string().min(1).max(64).optional().meta({ description: "the driver theme the plan fixes" }),
    filter: planFilterSchema.optional().meta({ description: "the responses it is measured on (default: all)" }),
    metric: z.enum(planMetrics),
    target: targetSchema,
    startsAt: daySchema,
    status: z.enum(["planned", "active"]).default("planned"),
  })
  .superRefine((plan, ctx) => {
    if (plan.theme === undefined && plan.filter === undefined)
      ctx.addIssue({ code: "custom", path: ["theme"], message: "name a driver theme, a filter, or both" });
    checkPlan(plan, ctx);
  })
  .meta({ id: "ActionPlanInput" });
export type ActionPlanInput = z.output<typeof actionPlanInputSchema>;

/** `PATCH /v1/action-plans/{id}`: move it on, hand it over, adjust the target, or add a note. */
export const actionPlanPatchSchema = z
  .strictObject({
    status: z.enum(planStatuses).optional(),
    owner: z.string().trim().min(1).max(200).optional(),
    title: z.string().trim().min(1).max(200).optional(),
    target: targetSchema.optional(),
    note: z.string().trim().min(1).max(5000).optional(),
  })
  .refine((patch) => Object.keys(patch).length > 0, {
    message: "send at least one of status, owner, title, target, note",
  })
  .meta({ id: "ActionPlanPatch" });
export type ActionPlanPatch = z.infer<typeof actionPlanPatchSchema>;

export const planCaseLinkSchema = z.strictObject({ caseId: caseIdSchema }).meta({ id: "ActionPlanCaseLink" });

export const listActionPlansQuerySchema = z
  .strictObject({
    owner: z.string().min(1).max(200).optional(),
    status: z.enum(planStatuses).optional(),
  })
  .meta({ id: "ListActionPlansQuery" });

const ci = z.object({ low: z.number(), high: z.number() }).nullable();
const windowScore = z.object({
  from: z.string(),
  to: z.string(),
  score: z.number().nullable(),
  responses: z.int(),
  ci95: ci,
});
const changeSchema = z.object({
  points: z.number().nullable().meta({ description: "since − baseline" }),
  ci95: ci.meta({ description: "95% interval of the difference (as GET /v1/metrics computes it)" }),
  pValue: z.number().nullable(),
  significant: z.boolean().meta({ description: "p < 0.05 and neither window insufficient" }),
  insufficient: z.boolean(),
});

export const planEffectSchema = z
  .object({
    metric: z.enum(planMetrics),
    baseline: windowScore.meta({ description: "the metric before the plan started" }),
    since: windowScore.meta({ description: "the metric from startsAt to today (or the target day, if earlier)" }),
    change: changeSchema,
    theme: z
      .object({
        theme: z.string(),
        baseline: z.object({ negative: z.int(), responses: z.int(), percent: z.number().nullable() }),
        since: z.object({ negative: z.int(), responses: z.int(), percent: z.number().nullable() }),
        change: changeSchema,
      })
      .nullable()
      .meta({
        description:
          "for a theme plan: % of the metric's answers that are negative (detractor, dissatisfied, hard) and mention the theme — what the plan should make fall",
      }),
    target: z.object({
      value: z.number(),
      by: z.string(),
      progress: z
        .number()
        .nullable()
        .meta({ description: "share of the way from the baseline to the target (1 = there)" }),
      elapsed: z.number().meta({ description: "share of the time from startsAt to target.by gone" }),
      track: z.enum(planTracks),
    }),
  })
  .meta({ id: "ActionPlanEffect" });
export type PlanEffect = z.infer<typeof planEffectSchema>;

export const actionPlanSchema = z
  .object({
    id: actionPlanIdSchema,
    title: z.string(),
    owner: z.string(),
    description: z.string().nullable(),
    theme: z.string().nullable(),
    filter: z.record(z.string(), z.string()),
    metric: z.enum(planMetrics),
    target: z.object({ value: z.number(), by: z.string() }),
    startsAt: z.string(),
    status: z.enum(planStatuses),
    notes: z.array(z.object({ at: z.string(), by: z.string(), text: z.string() })),
    history: z.array(historyEntrySchema),
    cases: z.array(z.string()).meta({ description: "cases linked to the plan (`POST /v1/action-plans/{id}/cases`)" }),
    rootCauses: z
      .array(z.object({ rootCause: z.string(), cases: z.int() }))
      .meta({ description: "the linked cases' root causes, most frequent first" }),
    createdAt: z.string(),
    updatedAt: z.string(),
    version: z.int().min(1),
    effect: planEffectSchema,
  })
  .meta({ id: "ActionPlan" });
export type ActionPlanView = z.infer<typeof actionPlanSchema>;

export const actionPlanListSchema = z.object({ items: z.array(actionPlanSchema) }).meta({ id: "ActionPlanList" });

export const actionPlanSummarySchema = z
  .object({
    owners: z.array(
      z.object({
        owner: z.string(),
        open: z.int().meta({ description: "planned or active" }),
        ...(Object.fromEntries(planTracks.map((track) => [track, z.int()])) as Record<
          PlanTrack,
          ReturnType<typeof z.int>
        >),
      }),
    ),
  })
  .meta({ id: "ActionPlanSummary" });

const byId = z.object({ id: actionPlanIdSchema });
const PLAN_ERRORS = { 404: "no such action plan", 422: "a field breaks the contract; details name it" } as const;

/** The action plan routes, spread into the route registry (`ROUTES`). */
export const ACTION_PLAN_ROUTES = {
  createActionPlan: {
    key: "POST /v1/action-plans",
    handler: "action-plans-api",
    tag: "action plans",
    summary: "Start an action plan: a systemic fix with an owner, a metric and a target",
    description:
      "Tie it to a driver theme (`GET /v1/drivers`) and/or a filter. Its `effect` compares the metric since `startsAt` with a baseline window before it, with the interval and test `GET /v1/metrics` uses.",
    scope: "agent",
    body: { schema: actionPlanInputSchema, maxBytes: 16 * 1024 },
    responses: { 201: { description: "the plan, with its effect so far", schema: actionPlanSchema } },
    errors: { 400: "body is not JSON", 413: "body over 16 KB", 422: PLAN_ERRORS[422] },
  },
  listActionPlans: {
    key: "GET /v1/action-plans",
    handler: "action-plans-api",
    tag: "action plans",
    summary: "Action plans, newest first, with their effect",
    scope: "read",
    query: listActionPlansQuerySchema,
    responses: { 200: { description: "the plans", schema: actionPlanListSchema } },
    errors: { 422: "bad query; details name the field" },
  },
  getActionPlanSummary: {
    key: "GET /v1/action-plans/summary",
    handler: "action-plans-api",
    tag: "action plans",
    summary: "Per owner: open plans and how they track, for the huddle",
    scope: "read",
    responses: { 200: { description: "one line per owner with open plans", schema: actionPlanSummarySchema } },
    errors: {},
  },
  getActionPlan: {
    key: "GET /v1/action-plans/{id}",
    handler: "action-plans-api",
    tag: "action plans",
    summary: "One action plan with its effect, history and linked cases",
    scope: "read",
    path: byId,
    responses: { 200: { description: "the plan", schema: actionPlanSchema } },
    errors: PLAN_ERRORS,
  },
  updateActionPlan: {
    key: "PATCH /v1/action-plans/{id}",
    handler: "action-plans-api",
    tag: "action plans",
    summary: "Change a plan's status, owner, title or target, or add a note",
    description: "Statuses go planned → active → done, and either may be dropped; every change is in the history.",
    scope: "agent",
    path: byId,
    body: { schema: actionPlanPatchSchema, maxBytes: 16 * 1024 },
    responses: { 200: { description: "the plan after the change", schema: actionPlanSchema } },
    errors: {
      ...PLAN_ERRORS,
      400: "body is not JSON",
      409: "the status cannot go there from where it is",
      413: "body over 16 KB",
    },
  },
  linkActionPlanCase: {
    key: "POST /v1/action-plans/{id}/cases",
    handler: "action-plans-api",
    tag: "action plans",
    summary: "Link a case to the plan: its root cause feeds the plan's list",
    description: "Linking a case twice changes nothing.",
    scope: "agent",
    path: byId,
    body: { schema: planCaseLinkSchema, maxBytes: 1024 },
    responses: { 200: { description: "the plan with the case linked", schema: actionPlanSchema } },
    errors: {
      ...PLAN_ERRORS,
      400: "body is not JSON",
      404: "no such action plan or case",
      409: `the plan already lists ${MAX_PLAN_CASES} cases`,
      413: "body over 1 KB",
    },
  },
} as const satisfies Record<string, RouteSpec>;
