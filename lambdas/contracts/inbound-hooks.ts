import * as z from "zod";
import { formbricksSurveysSchema } from "./formbricks-mapping";
import { responseIdSchema } from "./ids";

/** The bodies peers' webhooks may send: Delighted's and Formbricks' are small; a survey response with answers fits. */
export const MAX_HOOK_BYTES = 256 * 1024;

/** Delighted's webhook: one event, its `event_data` the survey response as its API returns it. */
export const delightedEventSchema = z.looseObject({
  event_type: z.enum(["survey_response.created", "survey_response.updated"]),
  event_data: z.looseObject({ id: z.union([z.string(), z.number()]) }),
});

/** Formbricks' webhook (Standard Webhooks): `data` is the response, as its Management API returns it. */
export const formbricksEventSchema = z.looseObject({
  event: z.enum(["responseCreated", "responseUpdated", "responseFinished"]),
  data: z.looseObject({ id: z.string(), surveyId: z.string().optional() }),
});

/**
 * What verifies the peers' webhooks: Delighted signs with the account's API key, Formbricks with the webhook's
 * `whsec_` secret. On AWS they are the stack's IntegrationSecrets (Secrets Manager); an absent one refuses its hook.
 */
export const inboundHookSecretsSchema = z.object({
  delightedApiKey: z.string().min(1).optional(),
  formbricksWebhookSecret: z.string().startsWith("whsec_").optional(),
});
export type InboundHookSecrets = z.infer<typeof inboundHookSecretsSchema>;

export { formbricksSurveysSchema };

export const hookResultSchema = z
  .object({
    queued: z.array(responseIdSchema).meta({ description: "the responses this event stores or updates" }),
    ignored: z.string().nullable().meta({ description: "why nothing was stored, when nothing was" }),
  })
  .meta({ id: "HookResult" });
export type HookResult = z.infer<typeof hookResultSchema>;
