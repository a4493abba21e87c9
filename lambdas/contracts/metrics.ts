import * as z from "zod";
import { contactSchema } from "./follow-up-config";
import { dayOrInstantSchema, daySchema } from "./instants";

/** Dimensions every aggregate is kept by; each is also a `groupBy` and a filter of `GET /v1/metrics`. */
export const DIMENSIONS = ["survey", "touchpoint", "channel", "segment", "stage"] as const;
export type Dimension = (typeof DIMENSIONS)[number];
export const PERIODS = ["day", "week", "month"] as const;
export type Period = (typeof PERIODS)[number];
export const GROUP_BYS = [...PERIODS, ...DIMENSIONS] as const;
export type GroupBy = (typeof GROUP_BYS)[number];

/** The longest window one request may ask for (three years of days). */
export const MAX_RANGE_DAYS = 1096;

const day = dayOrInstantSchema.transform((value) => value.slice(0, 10));
const dimensionFilter = z.string().min(1).max(128);

/** Query string of `GET /v1/metrics`. */
export const metricsQuerySchema = z
  .strictObject({
    from: day.optional().meta({ description: "first day (UTC), inclusive; defaults to 29 days before `to`" }),
    to: day.optional().meta({ description: "last day (UTC), inclusive; defaults to today" }),
    groupBy: z.enum(GROUP_BYS).optional(),
    survey: dimensionFilter.optional(),
    touchpoint: dimensionFilter.optional(),
    channel: dimensionFilter.optional(),
    segment: dimensionFilter.optional(),
    stage: dimensionFilter.optional().meta({ description: "journey stage (stage config `journey`)" }),
  })
  .meta({ id: "MetricsQuery" });
export type MetricsQuery = z.output<typeof metricsQuerySchema>;

/** Query string of `GET /v1/drivers`. */
export const driversQuerySchema = z
  .strictObject({
    from: day.optional().meta({ description: "first day (UTC), inclusive; defaults to 29 days before `to`" }),
    to: day.optional().meta({ description: "last day (UTC), inclusive; defaults to today" }),
    survey: dimensionFilter.optional(),
  })
  .meta({ id: "DriversQuery" });
export type DriversQuery = z.output<typeof driversQuerySchema>;

/** Body of `POST /v1/metrics/recompute` (admin): days to roll up again from the stored responses. */
export const MAX_RECOMPUTE_DAYS = 31;
export const recomputeRequestSchema = z
  .strictObject({ from: daySchema, to: daySchema })
  .refine((range) => range.from <= range.to, { message: "`from` must not be after `to`", path: ["from"] })
  .refine((range) => daysBetween(range.from, range.to) <= MAX_RECOMPUTE_DAYS, {
    message: `at most ${MAX_RECOMPUTE_DAYS} days per request (the CLI splits longer ranges)`,
    path: ["to"],
  })
  .meta({ id: "RecomputeRequest" });

/** Days from `from` to `to`, both counted (`YYYY-MM-DD`). */
export const daysBetween = (from: string, to: string) =>
  Math.round((Date.parse(to) - Date.parse(from)) / 86_400_000) + 1;

/** Answers below which a figure, a change or a driver is reported but flagged `insufficient` (stage `minResponses`). */
export const DEFAULT_MIN_RESPONSES = 30;

const ci = z.object({ low: z.number(), high: z.number() }).nullable();
const insufficient = z
  .boolean()
  .meta({ description: "fewer answers than the stage's `minResponses`: shown, but never flagged significant" });
const npsSchema = z
  .object({
    score: z.number().nullable(),
    responses: z.int(),
    promoters: z.int(),
    passives: z.int(),
    detractors: z.int(),
    promoterPercent: z.number().nullable(),
    detractorPercent: z.number().nullable(),
    ci95: ci.meta({ description: "95% adjusted Wald interval (one pseudo-answer per category), in points" }),
    insufficient,
  })
  .meta({ description: "NPS: 100 × (promoters − detractors) / responses" });
const scaleMetric = {
  scale: z.string().meta({ description: "e.g. `1-5`" }),
  score: z.number().nullable(),
  responses: z.int(),
  mean: z.number().nullable(),
};
const csatSchema = z
  .object({
    score: z.number().nullable().meta({ description: "% of responses in the top two boxes of their scale" }),
    responses: z.int(),
    satisfied: z.int(),
    mean: z.number().nullable().meta({ description: "null when responses were asked on different scales" }),
    ci95: ci.meta({ description: "95% Wilson score interval (continuity-corrected), in points" }),
    insufficient,
    byScale: z.array(z.object({ ...scaleMetric, satisfied: z.int() })),
  })
  .meta({ description: "CSAT: top-two-box share and mean" });
const cesSchema = z
  .object({
    ...scaleMetric,
    easy: z.int(),
    ci95: ci.meta({ description: "95% Wilson score interval (continuity-corrected), in points" }),
    insufficient,
  })
  .meta({ description: "CES: score = % easy; one entry per scale, never mixed" });
const change = z.object({
  points: z.number().nullable().meta({ description: "this window's score minus the previous window's" }),
  ci95: ci.meta({ description: "95% interval of the difference, in points" }),
  pValue: z.number().nullable().meta({ description: "two-sided p-value of a two-sample test of no change" }),
  significant: z.boolean().meta({ description: "p < 0.05 and neither window is insufficient" }),
  insufficient,
});
const metricSet = { nps: npsSchema, csat: csatSchema, ces: z.array(cesSchema) };

export const metricsSchema = z
  .object({
    from: z.string(),
    to: z.string(),
    filters: z.record(z.string(), z.string()),
    groupBy: z.enum(GROUP_BYS).nullable(),
    ...metricSet,
    groups: z.array(z.object({ key: z.string().nullable(), ...metricSet })),
    previous: z.object({ from: z.string(), to: z.string(), ...metricSet }),
    change: z.object({ nps: change, csat: change, ces: z.array(change.extend({ scale: z.string() })) }),
  })
  .meta({ id: "Metrics" });
export type MetricsReport = z.infer<typeof metricsSchema>;

export const driversSchema = z
  .object({
    from: z.string(),
    to: z.string(),
    filters: z.record(z.string(), z.string()),
    metric: z.enum(["nps", "csat"]).nullable().meta({ description: "NPS when the window has NPS answers, else CSAT" }),
    responses: z.int(),
    drivers: z.array(
      z.object({
        theme: z.string(),
        mentions: z.int(),
        share: z.number().meta({ description: "% of all responses in the window that mention the theme" }),
        withTheme: z.object({ score: z.number().nullable(), responses: z.int() }),
        withoutTheme: z.object({ score: z.number().nullable(), responses: z.int() }),
        impact: z.number().nullable().meta({ description: "points the theme moves the overall score" }),
        impactCi95: ci.meta({
          description: "95% interval of the impact: the share × the two-sample interval of with − without",
        }),
        pValue: z.number().nullable().meta({ description: "two-sided p-value of no difference with and without" }),
        significant: z.boolean().meta({ description: "p < 0.05 and not insufficient" }),
        insufficient: insufficient.meta({
          description: "fewer than `minResponses` scored answers mention the theme (or do not): never significant",
        }),
        sentiment: z.number().nullable().meta({ description: "average sentiment score (-1..1) of the mentions" }),
        customers: z.int().meta({ description: "distinct customers who mentioned the theme" }),
        customersEstimated: z.boolean().meta({
          description:
            "true when a day had over 256 such customers, so customers and annualValue are estimated from a sample (≈6% error)",
        }),
        annualValue: z.array(z.object({ currency: z.string(), total: z.number() })),
        exampleResponseId: z.string().nullable(),
      }),
    ),
    model: z
      .object({
        rSquared: z.number().nullable().meta({
          description: "share of the NPS score's (0-10) variance the drivers explain together; null if it has none",
        }),
        n: z.int().meta({ description: "NPS answers fitted (from the days' answer samples)" }),
        insufficient: insufficient.meta({ description: "fewer than `minResponses` answers: no driver is significant" }),
        sampled: z.boolean().meta({ description: "true when a day had more scored answers than its sample keeps" }),
        drivers: z.array(
          z.object({
            name: z.string().meta({ description: "a theme, `csat`, `ces`, or an attribute (segment, channel, …)" }),
            kind: z.enum(["theme", "answer", "attribute"]),
            weight: z.number().meta({ description: "LMG (Shapley) share of R² the driver accounts for" }),
            share: z.number().nullable().meta({ description: "weight as % of R²" }),
            pValue: z.number().meta({ description: "partial F-test of the driver's columns in the full model" }),
            significant: z.boolean(),
          }),
        ),
      })
      .nullable()
      .meta({
        description: "regression of the NPS score on themes, CSAT/CES answers and attributes; null without NPS",
      }),
  })
  .meta({ id: "Drivers" });
export type Drivers = z.infer<typeof driversSchema>;

/** The weekly digest: who gets it (default: the escalation contacts, team lead and head of CX) and when. */
export const digestConfigSchema = z.strictObject({
  recipients: z.array(contactSchema).optional(),
  /** EventBridge Scheduler expression, run in the stage's `metricsTimeZone` (Monday 08:00 there by default). */
  schedule: z
    .string()
    .regex(/^(cron|rate)\(.+\)$/, "must be an EventBridge cron(...) or rate(...) expression")
    .default("cron(0 8 ? * MON *)"),
});
export type DigestConfig = z.infer<typeof digestConfigSchema>;

/** Answer of `POST /v1/metrics/recompute`. */
export const recomputeResultSchema = z
  .object({ from: z.iso.date(), to: z.iso.date(), days: z.int(), responses: z.int() })
  .meta({ id: "RecomputeResult" });
