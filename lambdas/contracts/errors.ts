import * as z from "zod";

export const errorCodes = [
  "invalid_json",
  "validation_failed",
  "payload_too_large",
  "unauthorized",
  "forbidden",
  "not_found",
  "conflict",
  "version_conflict",
  "idempotency_conflict",
  "rate_limited",
  "survey_throttled",
  "unavailable",
  "internal",
] as const;
export type ErrorCode = (typeof errorCodes)[number];

export const errorDetailSchema = z.object({ path: z.string(), message: z.string() });
export type ErrorDetail = z.infer<typeof errorDetailSchema>;

export const errorBodySchema = z
  .object({
    error: z.object({
      code: z.enum(errorCodes),
      message: z.string(),
      details: z.array(errorDetailSchema),
    }),
  })
  .meta({ id: "Error" });
export type ErrorBody = z.infer<typeof errorBodySchema>;

/** One item of a batch that was refused, with the same error a single request would have got. */
export const itemRejectedSchema = z.object({
  index: z.int(),
  status: z.literal("rejected"),
  error: errorBodySchema.shape.error,
});

/** The HTTP status each error code is answered with. */
export const ERROR_STATUS: Record<ErrorCode, number> = {
  invalid_json: 400,
  validation_failed: 422,
  payload_too_large: 413,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  version_conflict: 409,
  idempotency_conflict: 409,
  rate_limited: 429,
  survey_throttled: 429,
  unavailable: 503,
  internal: 500,
};
