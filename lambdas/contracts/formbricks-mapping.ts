import * as z from "zod";

/** What a question of another tool becomes: a scored answer (optionally on a stated scale), the comment, an attribute, or nothing. */
export const QUESTION_KIND = /^(nps|csat|ces|comment|attribute|ignore)(:([01])-(\d{1,2}))?$/;
export const questionKindSchema = z
  .string()
  .regex(QUESTION_KIND, "must be nps, csat, ces, comment, attribute or ignore, a scale optional (ces:1-5)");

/**
 * Per Formbricks survey id: the cxloop survey name its responses get, and what each question (by question id, or
 * in a CSV export by column, number or headline) is. Questions not named are recognised where plain (CSV) or left out.
 * The same shape is meant for the stage config of the Formbricks webhook.
 */
export const formbricksSurveysSchema = z.record(
  z.string().min(1),
  z.strictObject({
    survey: z.string().trim().min(1).max(100).optional(),
    questions: z.record(z.string().min(1), questionKindSchema),
  }),
);
export type FormbricksSurveys = z.infer<typeof formbricksSurveysSchema>;
