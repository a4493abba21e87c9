import * as z from "zod";
import { dayOrInstantSchema } from "./instants";
import { PERIODS } from "./metrics";
import type { RouteSpec } from "./routes";

/** No eNPS figure is shown for fewer answers than this: with fewer, colleagues can tell who answered what. */
export const MIN_EMPLOYEE_GROUP = 5;
export const ENPS_GROUP_BYS = [...PERIODS, "team", "location"] as const;
export const SUPPRESSED_REASON = `fewer than ${MIN_EMPLOYEE_GROUP} answers: not shown, so no one's answer can be told apart`;
/** The key of the row that pools groups too small to show on their own. */
export const POOLED_KEY = "(smaller groups)";

const day = dayOrInstantSchema.transform((value) => value.slice(0, 10));
const group = z.string().min(1).max(100);

export const enpsQuerySchema = z
  .strictObject({
    from: day.optional().meta({ description: "first day, inclusive; defaults to 29 days before `to`" }),
    to: day.optional().meta({ description: "last day, inclusive; defaults to today" }),
    groupBy: z.enum(ENPS_GROUP_BYS).optional(),
    team: group.optional(),
    location: group.optional(),
  })
  .meta({ id: "EnpsQuery" });
export type EnpsQuery = z.output<typeof enpsQuerySchema>;

const ci = z.object({ low: z.number(), high: z.number() }).nullable();
const figureSchema = z
  .object({
    shown: z.boolean().meta({ description: `false below ${MIN_EMPLOYEE_GROUP} answers: every count is then null` }),
    reason: z.string().nullable(),
    score: z.number().nullable().meta({ description: "eNPS: 100 × (promoters − detractors) / responses" }),
    responses: z.int().nullable(),
    promoters: z.int().nullable(),
    passives: z.int().nullable(),
    detractors: z.int().nullable(),
    ci95: ci.meta({ description: "95% adjusted Wald interval, as for NPS" }),
    insufficient: z.boolean().meta({ description: "fewer than `minResponses` answers: never significant" }),
  })
  .meta({ id: "EnpsFigure" });
export type EnpsFigure = z.infer<typeof figureSchema>;

export const enpsSchema = z
  .object({
    from: z.string(),
    to: z.string(),
    filters: z.record(z.string(), z.string()),
    groupBy: z.enum(ENPS_GROUP_BYS).nullable(),
    enps: figureSchema,
    groups: z
      .array(
        z.object({ key: z.string().nullable(), pooled: z.array(z.string().nullable()).optional(), enps: figureSchema }),
      )
      .meta({
        description: `groups under ${MIN_EMPLOYEE_GROUP} answers are pooled into one \`${POOLED_KEY}\` row (with the smallest shown group added while the pool is under ${MIN_EMPLOYEE_GROUP}), so no hidden group can be worked out by subtraction`,
      }),
    previous: z.object({ from: z.string(), to: z.string(), enps: figureSchema }),
    change: z.object({
      points: z.number().nullable(),
      ci95: ci,
      pValue: z.number().nullable(),
      significant: z.boolean(),
      insufficient: z.boolean(),
    }),
  })
  .meta({ id: "Enps" });
export type EnpsReport = z.infer<typeof enpsSchema>;

/** The eNPS route, spread into the route registry (`ROUTES`). */
export const ENPS_ROUTES = {
  getEnps: {
    key: "GET /v1/enps",
    handler: "metrics-api",
    tag: "metrics",
    summary: "Employee NPS for a window, by period, team or location",
    description: `From \`enps\` answers only, which are never linked to a customer, a case or an event. A figure of fewer than ${MIN_EMPLOYEE_GROUP} answers is not shown (\`shown: false\` with the reason, every count null); the request still succeeds.`,
    scope: "read",
    query: enpsQuerySchema,
    responses: {
      200: {
        description: "eNPS with its interval, groups and the change against the previous window",
        schema: enpsSchema,
      },
    },
    errors: { 422: "bad query; details name the field" },
  },
} as const satisfies Record<string, RouteSpec>;
