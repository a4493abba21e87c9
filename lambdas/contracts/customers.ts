import * as z from "zod";
import { caseSchema } from "./cases";
import { churnRiskSchema } from "./churn";
import { itemRejectedSchema } from "./errors";
import { customerIdSchema } from "./ids";
import { dayOrInstantSchema, instantSchema } from "./instants";
import { responseRecordSchema } from "./record";
import { attributesSchema } from "./submission";

export const MAX_CUSTOMER_BATCH = 100;

const latestRollupScore = z.object({ score: z.number(), at: z.string() }).nullable();

/**
 * A phone number, E.164-ish: an optional `+`, then 7 to 15 digits, which may be grouped by spaces, dots, dashes or
 * parentheses. Duplicates are matched on the digits (and the `+`), so `+49 30 1234567` and `+49-30-1234567` are one.
 */
export const phoneSchema = z
  .string()
  .trim()
  .regex(/^\+?[0-9][0-9 ().-]{5,30}$/, "must be a phone number such as +49 30 1234567")
  .refine((phone) => {
    const digits = phone.replace(/[^0-9]/g, "").length;
    return digits >= 7 && digits <= 15;
  }, "must have 7 to 15 digits (E.164)");

/** The operational profile a company keeps about a customer (`PUT /v1/customers/{id}`). */
export const customerProfileInputSchema = z
  .strictObject({
    email: z.email().max(254).optional(),
    name: z.string().trim().min(1).max(200).optional(),
    phone: phoneSchema.optional(),
    segment: z.string().trim().min(1).max(100).optional(),
    plan: z.string().trim().min(1).max(100).optional(),
    annualValue: z.number().nonnegative().max(1e12).optional(),
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/, "must be an ISO 4217 code such as EUR")
      .optional(),
    customerSince: dayOrInstantSchema.optional(),
    renewalDate: dayOrInstantSchema.optional(),
    owner: z.string().trim().min(1).max(200).optional().meta({ description: "account manager" }),
    attributes: attributesSchema.optional(),
  })
  .meta({ id: "CustomerProfileInput" });
export type CustomerProfileInput = z.infer<typeof customerProfileInputSchema>;

export const customerProfileSchema = customerProfileInputSchema
  .extend({
    id: customerIdSchema,
    createdAt: z.iso.datetime({ offset: true }),
    updatedAt: z.iso.datetime({ offset: true }),
    /** True for profiles created from a response by a customer the company had not imported. */
    minimal: z.boolean(),
    /** Kept up to date after every response from the customer. */
    rollups: z
      .object({
        latestScores: z.object({ nps: latestRollupScore, csat: latestRollupScore, ces: latestRollupScore }),
        responseCount: z.int(),
        lastResponseAt: z.string().nullable(),
        openCases: z.int(),
      })
      .optional(),
    /** Set on a profile merged into another (`POST /v1/customers/{id}/merge`): what is left of it is this pointer. */
    mergedInto: customerIdSchema
      .optional()
      .meta({ description: "the profile this one was merged into; its responses, cases and events are there" }),
    /** Changes to the profile as a whole: merges, on both profiles. */
    history: z
      .array(z.object({ at: z.string(), by: z.string(), change: z.string() }))
      .optional()
      .meta({ description: "merges into and out of this profile, oldest first" }),
  })
  .meta({ id: "CustomerProfile" });
export type CustomerProfile = z.infer<typeof customerProfileSchema>;

export const customerBatchSchema = z
  .strictObject({
    customers: z.array(z.unknown()).min(1).max(MAX_CUSTOMER_BATCH),
  })
  .meta({ id: "CustomerBatch" });

export const operationalEventTypes = [
  "purchase",
  "return",
  "support-ticket",
  "plan-change",
  "renewal",
  "cancellation",
] as const;
export type OperationalEventType = (typeof operationalEventTypes)[number];
/** Types whose `amount` is money: a `currency` is required with it (support tickets and plan changes predate it). */
export const MONEY_EVENT_TYPES: readonly OperationalEventType[] = ["purchase", "return", "renewal", "cancellation"];
/** The category of the customer's latest NPS answer, or `none` without one: what KPIs are split by. */
export const npsSplitCategories = ["promoter", "passive", "detractor", "none"] as const;
export type NpsSplitCategory = (typeof npsSplitCategories)[number];

const currencySchema = z.string().regex(/^[A-Z]{3}$/, "must be an ISO 4217 code such as EUR");

const operationalEventFields = z.strictObject({
  id: z
    .string()
    .regex(/^[A-Za-z0-9._:-]{1,128}$/)
    .optional()
    .meta({ description: "idempotency key" }),
  type: z.enum(operationalEventTypes),
  time: instantSchema.meta({ description: "when it happened (a support ticket: when it was resolved)" }),
  amount: z
    .number()
    .optional()
    .meta({ description: "on a purchase, return, renewal or cancellation: money, ≥ 0 (a return's is the refund)" }),
  currency: currencySchema.optional().meta({
    description: "ISO 4217; required with an amount on a purchase, return, renewal or cancellation",
  }),
  contactsToResolve: z
    .int()
    .min(1)
    .max(1000)
    .optional()
    .meta({ description: "support-ticket: contacts it took to resolve (1 = first-contact resolution)" }),
  resolved: z
    .boolean()
    .optional()
    .meta({ description: "support-ticket: whether it is resolved; true when `contactsToResolve` is given" }),
  attributes: attributesSchema.optional(),
});

/** `POST /v1/customers/{id}/events`: what happened to the customer outside of surveys. */
export const operationalEventInputSchema = operationalEventFields
  .superRefine((event, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: "custom", path: [path], message });
    const money = MONEY_EVENT_TYPES.includes(event.type);
    if (money && event.amount !== undefined && event.currency === undefined)
      issue("currency", `required with an amount on a ${event.type}`);
    if (money && event.amount !== undefined && event.amount < 0)
      issue("amount", `must not be negative on a ${event.type}`);
    if (event.currency !== undefined && event.amount === undefined) issue("currency", "only with an amount");
    if (event.type !== "support-ticket") {
      if (event.contactsToResolve !== undefined) issue("contactsToResolve", "only on a support-ticket");
      if (event.resolved !== undefined) issue("resolved", "only on a support-ticket");
    } else if (event.resolved === true && event.contactsToResolve === undefined)
      issue("contactsToResolve", "required when the ticket is resolved");
    else if (event.resolved === false && event.contactsToResolve !== undefined)
      issue("contactsToResolve", "only on a resolved ticket");
  })
  .meta({ id: "OperationalEventInput" });
export type OperationalEventInput = z.infer<typeof operationalEventInputSchema>;
/** What is stored: the input, its id and customer, and what was true of the customer when it was recorded. */
export type OperationalEvent = OperationalEventInput & {
  id: string;
  customerId: string;
  npsCategory?: NpsSplitCategory;
  segment?: string;
};

export const operationalEventSchema = operationalEventFields
  .extend({
    id: z.string(),
    customerId: customerIdSchema,
    npsCategory: z.enum(npsSplitCategories).optional().meta({
      description: "category of the customer's latest NPS answer at `time`, stamped when recorded (KPIs split by it)",
    }),
    segment: z.string().optional().meta({ description: "the profile's segment when recorded" }),
  })
  .meta({ id: "OperationalEvent" });

/** Answer of `POST /v1/customers/batch`: one result per item, in order. */
export const customerBatchResultSchema = z
  .object({
    accepted: z.int(),
    rejected: z.int(),
    results: z.array(
      z.union([
        z.object({
          index: z.int(),
          id: customerIdSchema,
          status: z.enum(["created", "updated"]),
          duplicateOf: z.array(customerIdSchema).optional().meta({
            description: "other profiles with the same email (any case), or the same name and phone: likely duplicates",
          }),
        }),
        itemRejectedSchema,
      ]),
    ),
  })
  .meta({ id: "CustomerBatchResult" });

const latestScoreSchema = z
  .object({
    score: z.number(),
    category: z.string().nullable(),
    at: z.string(),
    trend: z.number().nullable().meta({ description: "change against the answer of the same type before it" }),
  })
  .nullable();

/** Query string of `GET /v1/customers/{id}`. */
/** `GET /v1/customers?q=`: an id or an email address, matched exactly (the email without regard to case). */
export const customerSearchQuerySchema = z
  .strictObject({ q: z.string().trim().min(1).max(320).meta({ description: "a customer id or email address" }) })
  .meta({ id: "CustomerSearchQuery" });

/** `GET /v1/customers/{id}`: the 360° view. */
export const customerViewSchema = z
  .object({
    profile: customerProfileSchema.nullable(),
    latestScores: z.object({ nps: latestScoreSchema, csat: latestScoreSchema, ces: latestScoreSchema }),
    churnRisk: churnRiskSchema,
    responses: z.array(responseRecordSchema),
    cases: z.array(caseSchema),
    events: z.array(operationalEventSchema),
  })
  .meta({ id: "CustomerView" });

/** `DELETE /v1/customers/{id}`: what erasure removed. The pseudonym is not in it: nothing links it to the id. */
export const erasureSchema = z
  .object({
    id: customerIdSchema,
    erased: z.object({
      profile: z.boolean().meta({ description: "a profile existed and was deleted" }),
      events: z.int().meta({ description: "operational events deleted" }),
      responses: z.int().meta({
        description: "responses moved under a random pseudonym without comment, email or name (scores kept)",
      }),
      cases: z.int().meta({ description: "cases moved under the pseudonym without comment, email, name or note text" }),
    }),
  })
  .meta({ id: "Erasure" });

/** `GET /v1/revenue-at-risk`. */
export const revenueAtRiskSchema = z
  .object({
    threshold: z.number(),
    customersAtRisk: z.int(),
    customersWithoutValue: z.int(),
    revenueAtRisk: z.array(
      z.object({
        currency: z.string(),
        total: z.number(),
        customers: z.int(),
        bySegment: z.array(z.object({ segment: z.string(), total: z.number() })),
      }),
    ),
  })
  .meta({ id: "RevenueAtRisk" });

export const customerSearchSchema = z
  .object({ items: z.array(customerProfileSchema).meta({ description: "at most 20" }) })
  .meta({ id: "CustomerSearchResult" });
