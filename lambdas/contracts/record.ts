import * as z from "zod";
import { responseIdSchema } from "./ids";
import { attributesSchema, channels, responseTypes, scaleSchema, submissionSchema } from "./submission";

export const categories = [
  "promoter",
  "passive",
  "detractor",
  "satisfied",
  "neutral",
  "dissatisfied",
  "easy",
  "hard",
] as const;
export type Category = (typeof categories)[number];

export const sentimentLabels = ["positive", "neutral", "negative", "mixed"] as const;
export const sentimentSchema = z.object({
  label: z.enum(sentimentLabels),
  score: z.number().min(-1).max(1),
});
export type Sentiment = z.infer<typeof sentimentSchema>;

/** The customer as known when the response was enriched: the reference plus the profile snapshot. */
export const customerSnapshotSchema = z.object({
  id: z.string(),
  email: z.string().optional(),
  name: z.string().optional(),
  segment: z.string().nullable(),
  plan: z.string().nullable(),
  annualValue: z.number().nullable(),
  currency: z.string().nullable(),
  renewalDate: z.string().nullable(),
});
export type CustomerSnapshot = z.infer<typeof customerSnapshotSchema>;

/**
 * What intake puts on the queue: the validated submission with its id, the
 * resolved scale and the receipt time. Enrichment trusts nothing else.
 */
export const queuedSubmissionSchema = submissionSchema
  .extend({
    id: responseIdSchema,
    submittedAt: z.iso.datetime({ offset: true }),
    receivedAt: z.iso.datetime({ offset: true }),
    /** A later version of the same response (a survey link's comment after its score); it replaces a lower one. */
    revision: z.int().min(1).optional(),
  })
  .meta({ id: "QueuedSubmission" });
export type QueuedSubmission = z.infer<typeof queuedSubmissionSchema>;

export const responseRecordSchema = z
  .object({
    id: responseIdSchema,
    type: z.enum(responseTypes),
    score: z.number().int().nullable(),
    scale: scaleSchema.nullable(),
    category: z.enum(categories).nullable(),
    comment: z.string().nullable(),
    sentiment: sentimentSchema.nullable(),
    themes: z.array(z.string()),
    survey: z.string().nullable(),
    channel: z.enum(channels).nullable(),
    touchpoint: z.string().nullable(),
    stage: z
      .string()
      .nullable()
      .default(null)
      .meta({ description: "journey stage of the touchpoint (stage config `journey`); null when it maps to none" }),
    customer: customerSnapshotSchema.nullable(),
    submittedAt: z.iso.datetime({ offset: true }),
    receivedAt: z.iso.datetime({ offset: true }),
    enrichedAt: z.iso.datetime({ offset: true }),
    attributes: attributesSchema,
    locale: z.string().nullable(),
    language: z
      .string()
      .optional()
      .meta({ description: "language the comment was analysed in (ISO 639-1): the locale's, else detected" }),
    revision: z
      .int()
      .min(1)
      .optional()
      .meta({ description: "set when the response was updated after it was first recorded" }),
  })
  .meta({ id: "ResponseRecord" });
export type ResponseRecord = z.infer<typeof responseRecordSchema>;

export const responseListSchema = z
  .object({ items: z.array(responseRecordSchema), nextCursor: z.string().nullable() })
  .meta({ id: "ResponseList" });
