import * as z from "zod";
import { npsSplitCategories } from "./customers";
import { dayOrInstantSchema } from "./instants";
import { PERIODS } from "./metrics";
import type { RouteSpec } from "./routes";

/** What `GET /v1/kpis` groups by: a period of the metrics time zone, or the customer's segment when the event was recorded. */
export const KPI_GROUP_BYS = [...PERIODS, "segment"] as const;
export type KpiGroupBy = (typeof KPI_GROUP_BYS)[number];

const day = dayOrInstantSchema.transform((value) => value.slice(0, 10));

/** Query string of `GET /v1/kpis`. */
export const kpisQuerySchema = z
  .strictObject({
    from: day
      .optional()
      .meta({ description: "first day (metrics time zone), inclusive; defaults to 29 days before `to`" }),
    to: day.optional().meta({ description: "last day (metrics time zone), inclusive; defaults to today" }),
    groupBy: z.enum(KPI_GROUP_BYS).optional(),
  })
  .meta({ id: "KpisQuery" });
export type KpisQuery = z.output<typeof kpisQuerySchema>;

const rateSchema = (what: string, numerator: string, denominator: string) =>
  z
    .object({
      rate: z
        .number()
        .nullable()
        .meta({ description: "numerator / denominator, in %; null when the denominator is 0" }),
      numerator: z.int().meta({ description: numerator }),
      denominator: z.int().meta({ description: denominator }),
      ci95: z
        .object({ low: z.number(), high: z.number() })
        .nullable()
        .meta({ description: "95% Wilson score interval (continuity-corrected), in points" }),
      insufficient: z
        .boolean()
        .meta({ description: "a denominator below the stage's `minResponses`: shown, but not to act on alone" }),
    })
    .meta({ description: what });

const revenueSchema = z.object({
  currency: z.string(),
  purchases: z.number().meta({ description: "sum of purchase amounts" }),
  returns: z.number().meta({ description: "sum of return amounts" }),
  net: z.number().meta({ description: "purchases − returns" }),
  purchaseCount: z.int(),
  returnCount: z.int(),
  customers: z.int().meta({ description: "distinct customers with a purchase or return in this currency" }),
  perCustomer: z.number().meta({ description: "net / customers, rounded to 2 decimals" }),
});

const kpiSet = {
  churn: rateSchema(
    "churn rate: of the customers whose renewal decision fell in the period, those whose last decision was a cancellation",
    "customers whose last renewal or cancellation in the period was a cancellation",
    "customers with a renewal or cancellation in the period",
  ),
  retention: rateSchema(
    "retention rate = 100 − churn rate",
    "customers whose last renewal or cancellation in the period was a renewal",
    "customers with a renewal or cancellation in the period",
  ),
  repurchase: rateSchema(
    "repurchase rate: of the customers who bought in the period, those who bought at least twice",
    "customers with at least 2 purchases in the period",
    "customers with at least 1 purchase in the period",
  ),
  firstContactResolution: rateSchema(
    "first-contact resolution: resolved tickets resolved at the first contact",
    "resolved tickets with contactsToResolve = 1",
    "resolved tickets",
  ),
  revenue: z
    .array(revenueSchema)
    .meta({ description: "per currency, never added across currencies; sorted by currency" }),
  supportTickets: z.int().meta({ description: "support tickets, resolved or not" }),
  customers: z.int().meta({ description: "distinct customers with an event counted here" }),
};
const kpiSetSchema = z.object(kpiSet).meta({ id: "KpiSet" });
const byNpsCategorySchema = z
  .object(
    Object.fromEntries(npsSplitCategories.map((category) => [category, kpiSetSchema])) as {
      [K in (typeof npsSplitCategories)[number]]: typeof kpiSetSchema;
    },
  )
  .meta({
    description:
      "the same KPIs per category of the customer's latest NPS answer as of the event (`none`: no NPS answer by then)",
  });
const breakdown = { ...kpiSet, byNpsCategory: byNpsCategorySchema };

/** `GET /v1/kpis`. */
export const kpisSchema = z
  .object({
    from: z.string(),
    to: z.string(),
    groupBy: z.enum(KPI_GROUP_BYS).nullable(),
    ...breakdown,
    groups: z.array(z.object({ key: z.string().nullable(), ...breakdown })).meta({
      description: "periods: every period of the window, oldest first; segments: those seen, most events first",
    }),
  })
  .meta({ id: "Kpis" });
export type KpisReport = z.infer<typeof kpisSchema>;
export type KpiSet = z.infer<typeof kpiSetSchema>;

/** The KPI route, spread into the route registry (`ROUTES`). */
export const KPI_ROUTES = {
  getKpis: {
    key: "GET /v1/kpis",
    handler: "metrics-api",
    tag: "metrics",
    summary: "Operational KPIs, split by NPS category",
    description:
      "Churn and retention rate, repurchase rate, first-contact resolution and revenue from the operational events of the window, overall, per `groupBy` and per NPS category of the customer's latest answer as of each event (docs/metrics.md, Operational KPIs). Reads the window's events only.",
    scope: "read",
    query: kpisQuerySchema,
    responses: { 200: { description: "KPIs", schema: kpisSchema } },
    errors: { 422: "bad query; details name the parameter" },
  },
} as const satisfies Record<string, RouteSpec>;
