import * as z from "zod";
import { originSchema, scopes } from "./auth";

/** Managed keys are `cxk_<id>_<secret>`: the id finds the record in one read, the secret is checked against its hash. */
export const KEY_ID_PATTERN = /^[0-9A-HJKMNP-TV-Z]{26}$/;
export const MANAGED_KEY_PATTERN = /^cxk_([0-9A-HJKMNP-TV-Z]{26})_([A-Za-z0-9_-]{43})$/;

export const keyIdSchema = z.string().regex(KEY_ID_PATTERN, "must be a key id as POST /v1/keys returned it");

export const keyCreateSchema = z
  .strictObject({
    name: z
      .string()
      .min(1)
      .max(64)
      .regex(/^[A-Za-z0-9 ._:@-]+$/, "letters, digits, spaces and . _ : @ - only"),
    scopes: z
      .array(z.enum(scopes))
      .min(1)
      .max(scopes.length)
      .refine((list) => new Set(list).size === list.length, "lists a scope twice"),
    /** Where a submit-only key may be used from; empty: the stage's allowed origins. */
    allowedOrigins: z.array(originSchema).max(20).default([]),
  })
  .meta({ id: "ApiKeyRequest" });
export type KeyCreateInput = z.infer<typeof keyCreateSchema>;

export const keySummarySchema = z
  .object({
    /** null for the stage's bootstrap keys (configured in cdk.json, removed there). */
    id: z.string().nullable(),
    name: z.string(),
    scopes: z.array(z.enum(scopes)),
    allowedOrigins: z.array(z.string()),
    source: z.enum(["stage", "managed"]),
    createdAt: z.string().nullable(),
    /** Updated at most once a minute per running function. */
    lastUsedAt: z.string().nullable(),
  })
  .meta({ id: "ApiKey" });
export type KeySummary = z.infer<typeof keySummarySchema>;

export const createdKeySchema = keySummarySchema
  .extend({ id: z.string(), key: z.string().describe("shown once; only a salted hash is stored") })
  .meta({ id: "CreatedApiKey" });

export const keyListSchema = z
  .object({ items: z.array(keySummarySchema), nextCursor: z.null() })
  .meta({ id: "ApiKeyList" });

export const keyRevokedSchema = z
  .object({ id: z.string(), status: z.literal("revoked") })
  .meta({ id: "ApiKeyRevoked" });

/** How long a running function trusts what it read about a managed key: a revocation takes effect within this. */
export const KEY_CACHE_SECONDS = 30;
