import * as z from "zod";
import { responseIdSchema } from "./ids";
import { customerRefSchema, scaleSchema, submissionSchema } from "./submission";

export const SURVEY_LINK_TYPES = ["nps", "csat", "ces"] as const;
export const DEFAULT_LINK_DAYS = 30;
export const MAX_LINK_DAYS = 90;

/** `POST /v1/survey-links`: a personal link that answers one survey for one customer. */
export const surveyLinkRequestSchema = z
  .strictObject({
    survey: z.string().min(1).max(128),
    type: z.enum(SURVEY_LINK_TYPES),
    scale: scaleSchema.optional(),
    customer: customerRefSchema.omit({ signature: true }),
    touchpoint: submissionSchema.shape.touchpoint,
    locale: submissionSchema.shape.locale,
    expiresInDays: z.int().min(1).max(MAX_LINK_DAYS).default(DEFAULT_LINK_DAYS),
  })
  .meta({ id: "SurveyLinkRequest" });
export type SurveyLinkRequest = z.infer<typeof surveyLinkRequestSchema>;

/** A signed link token: three base64url parts, as a JWT is. */
export const surveyTokenSchema = z
  .string()
  .max(2048)
  .regex(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/, "is not a survey link token");

export const surveyLinkSchema = z
  .object({
    url: z.url().meta({ description: "the hosted survey page; append `?score=N` for a one-click answer" }),
    token: surveyTokenSchema,
    responseId: responseIdSchema.meta({ description: "the id the answer will be stored under" }),
    expiresAt: z.iso.datetime({ offset: true }),
  })
  .meta({ id: "SurveyLink" });
export type SurveyLink = z.infer<typeof surveyLinkSchema>;

const scoreParameter = z
  .string()
  .regex(/^\d{1,2}$/, "must be a whole number on the survey's scale")
  .transform(Number);

export const surveyPagePathSchema = z.object({ token: surveyTokenSchema });
export const surveyPageQuerySchema = z
  .object({ score: scoreParameter.optional().meta({ description: "records this score at once (one click)" }) })
  .meta({ id: "SurveyPageQuery" });
/** The hosted page's form, posted as `application/x-www-form-urlencoded`. */
export const surveyPageFormSchema = z
  .object({
    score: scoreParameter.optional(),
    comment: z.string().max(5000).optional(),
  })
  .meta({ id: "SurveyPageForm" });

/** The hosted pages are HTML for people, not JSON for programs. */
export const htmlPageSchema = z.string().meta({ description: "an HTML page" });
