import * as z from "zod";

export const CUSTOMER_ID_PATTERN = /^[A-Za-z0-9._:@-]{1,128}$/;
export const customerIdSchema = z
  .string()
  .regex(CUSTOMER_ID_PATTERN, "must be 1-128 characters of A-Z a-z 0-9 . _ : @ -");
export const MAX_CUSTOMER_BATCH = 100;
const MAX_CUSTOMER_ATTRIBUTES = 50;

const isoDate = z.union([z.iso.date(), z.iso.datetime({ offset: true })]);

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
    customerSince: isoDate.optional(),
    renewalDate: isoDate.optional(),
    owner: z.string().trim().min(1).max(200).optional().meta({ description: "account manager" }),
    attributes: z
      .record(z.string().min(1).max(64), z.union([z.string().max(256), z.number(), z.boolean()]))
      .refine((value) => Object.keys(value).length <= MAX_CUSTOMER_ATTRIBUTES, {
        message: `at most ${MAX_CUSTOMER_ATTRIBUTES} attributes`,
      })
      .optional(),
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
        latestScores: z.record(
          z.enum(["nps", "csat", "ces"]),
          z.object({ score: z.number(), at: z.string() }).nullable(),
        ),
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
    time: z.iso.datetime({ offset: true }),
    amount: z.number().optional(),
    attributes: z.record(z.string().min(1).max(64), z.union([z.string().max(256), z.number(), z.boolean()])).optional(),
  })
  .meta({ id: "OperationalEventInput" });
export type OperationalEventInput = z.infer<typeof operationalEventInputSchema>;
export type OperationalEvent = OperationalEventInput & { id: string; customerId: string };
