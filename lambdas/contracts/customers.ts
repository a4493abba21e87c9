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

/** The operational profile a company keeps about a customer (`PUT /v1/customers/{id}`). */
export const customerProfileInputSchema = z
  .strictObject({
    email: z.email().max(254).optional(),
    name: z.string().trim().min(1).max(200).optional(),
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
  })
  .meta({ id: "CustomerProfile" });
export type CustomerProfile = z.infer<typeof customerProfileSchema>;

export const customerBatchSchema = z
  .strictObject({
    customers: z.array(z.unknown()).min(1).max(MAX_CUSTOMER_BATCH),
  })
  .meta({ id: "CustomerBatch" });

export const operationalEventTypes = ["purchase", "return", "support-ticket", "plan-change"] as const;

/** `POST /v1/customers/{id}/events`: what happened to the customer outside of surveys. */
export const operationalEventInputSchema = z
  .strictObject({
    id: z
      .string()
      .regex(/^[A-Za-z0-9._:-]{1,128}$/)
      .optional()
      .meta({ description: "idempotency key" }),
    type: z.enum(operationalEventTypes),
    time: instantSchema,
    amount: z.number().optional(),
    attributes: attributesSchema.optional(),
  })
  .meta({ id: "OperationalEventInput" });
export type OperationalEventInput = z.infer<typeof operationalEventInputSchema>;
export type OperationalEvent = OperationalEventInput & { id: string; customerId: string };

export const operationalEventSchema = operationalEventInputSchema
  .extend({ id: z.string(), customerId: customerIdSchema })
  .meta({ id: "OperationalEvent" });

/** Answer of `POST /v1/customers/batch`: one result per item, in order. */
export const customerBatchResultSchema = z
  .object({
    accepted: z.int(),
    rejected: z.int(),
    results: z.array(
      z.union([
        z.object({ index: z.int(), id: customerIdSchema, status: z.enum(["created", "updated"]) }),
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
