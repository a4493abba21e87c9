import * as z from "zod";
import { itemRejectedSchema } from "./errors";
import { customerIdSchema, responseIdSchema } from "./ids";
import { instantSchema } from "./instants";

/** Largest accepted body for one submission (bytes, UTF-8). */
export const MAX_SUBMISSION_BYTES = 32 * 1024;
/** Largest accepted body for a batch: 100 items, each well under the single limit on average. */
export const MAX_BATCH_BYTES = 1024 * 1024;
export const MAX_BATCH_ITEMS = 100;
export const MAX_ATTRIBUTES = 50;
/** How far in the future a client clock may be before `submittedAt` is rejected. */
export const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;

export const responseTypes = ["nps", "csat", "ces", "comment", "review", "enps"] as const;
export const channels = ["web", "email", "sms", "app", "kiosk", "support", "review", "social"] as const;

export const scaleSchema = z
  .strictObject({
    min: z.int().min(0).max(1),
    max: z.int().min(3).max(10),
  })
  .meta({ description: "Answer scale; defaults: nps 0-10, csat 1-5, ces 1-7." });
export type Scale = z.infer<typeof scaleSchema>;

const label = z.string().trim().min(1).max(100);

/** Free-form attributes: at most `MAX_ATTRIBUTES` short keys to short strings, numbers or booleans. */
export const attributesSchema = z
  .record(z.string().min(1).max(64), z.union([z.string().max(256), z.number(), z.boolean()]))
  .refine((value) => Object.keys(value).length <= MAX_ATTRIBUTES, {
    message: `at most ${MAX_ATTRIBUTES} attributes`,
  });

export const customerRefSchema = z.strictObject({
  id: customerIdSchema,
  email: z.email().max(254).optional(),
  name: z.string().trim().min(1).max(200).optional(),
  signature: z
    .string()
    .regex(/^[a-f0-9]{64}$/, "must be the lowercase hex HMAC-SHA256 of the customer id")
    .optional()
    .meta({
      description: "HMAC-SHA256 of `id` with the stage's identity secret, made by the site's server; never stored",
    }),
});

/**
 * Who answered an employee survey (`enps`): never a person, only the groups their answers are counted in, and
 * those are shown only for five answers or more.
 */
export const employeeGroupSchema = z
  .strictObject({ team: label.optional(), location: label.optional() })
  .meta({ description: "employee respondents (type enps) only: the team and location their answer counts in" });
export type EmployeeGroup = z.infer<typeof employeeGroupSchema>;

/**
 * The submission as posted by a client. Cross-field rules (score required per
 * type, score within scale, clock skew) live in `validateSubmission` in core,
 * so they can report the failing field by path.
 */
export const submissionSchema = z
  .strictObject({
    id: responseIdSchema.optional(),
    type: z.enum(responseTypes),
    score: z.number().int().optional(),
    scale: scaleSchema.optional(),
    comment: z.string().trim().min(1).max(5000).optional(),
    survey: label.optional(),
    channel: z.enum(channels).optional(),
    touchpoint: label.optional(),
    customer: customerRefSchema.optional(),
    employee: employeeGroupSchema.optional(),
    submittedAt: instantSchema.optional(),
    attributes: attributesSchema.optional(),
    locale: z
      .string()
      .regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, "must be a BCP 47 language tag")
      .optional(),
  })
  .meta({ id: "Submission" });
export type Submission = z.infer<typeof submissionSchema>;

export const batchSubmissionSchema = z
  .strictObject({
    responses: z.array(z.unknown()).min(1).max(MAX_BATCH_ITEMS),
  })
  .meta({ id: "BatchSubmission" });

export const acceptedSchema = z
  .object({ id: responseIdSchema, status: z.literal("accepted") })
  .meta({ id: "Accepted" });

/** Answer of `POST /v1/responses/batch`: one result per item, in order. */
export const batchResultSchema = z
  .object({
    accepted: z.int(),
    rejected: z.int(),
    results: z.array(
      z.union([z.object({ index: z.int(), id: responseIdSchema, status: z.literal("accepted") }), itemRejectedSchema]),
    ),
  })
  .meta({ id: "BatchResult" });
export type BatchResult = z.infer<typeof batchResultSchema>;
