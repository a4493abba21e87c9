import * as z from "zod";
import { customerIdSchema } from "./ids";

/** Per survey: how many days a customer who answered it is not asked again (the widget stays hidden). */
export const surveySettingsSchema = z.record(
  z.string().min(1).max(128),
  z.strictObject({ throttleDays: z.int().min(1).max(3650) }),
);
export type SurveySettings = z.infer<typeof surveySettingsSchema>;

/** `GET /v1/survey-eligibility`: may this customer be asked this survey now? */
export const eligibilityQuerySchema = z
  .strictObject({
    survey: z.string().min(1).max(128),
    customerId: customerIdSchema,
    signature: z
      .string()
      .regex(/^[a-f0-9]{64}$/, "must be the lowercase hex HMAC-SHA256 of the customer id")
      .optional()
      .meta({ description: "needed when the stage requires signed customer ids" }),
  })
  .meta({ id: "EligibilityQuery" });

export const eligibilitySchema = z
  .object({
    eligible: z.boolean(),
    nextEligibleAt: z.iso.datetime({ offset: true }).nullable().meta({ description: "null when eligible" }),
  })
  .meta({ id: "Eligibility" });
export type Eligibility = z.infer<typeof eligibilitySchema>;
