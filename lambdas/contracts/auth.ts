import * as z from "zod";

export const scopes = ["submit", "read", "admin"] as const;
export type Scope = (typeof scopes)[number];

/** Keys are configured by their SHA-256 hash; the key itself never leaves the client. */
export const apiKeyEntrySchema = z.strictObject({
  name: z.string().min(1).max(64),
  sha256: z.string().regex(/^[a-f0-9]{64}$/, "must be the lowercase hex SHA-256 of the key"),
  scopes: z.array(z.enum(scopes)).min(1).readonly(),
});
export type ApiKeyEntry = z.infer<typeof apiKeyEntrySchema>;

/** What a browser sends as `Origin`: scheme, host and port, nothing else; `*` allows any. */
export const originSchema = z.union([
  z.string().regex(/^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$/, "must be an origin such as https://shop.example"),
  z.literal("*"),
]);

/** Who made a request: a key from the stage config (`id` null) or one managed through `/v1/keys`. */
export interface Caller {
  id: string | null;
  name: string;
  scopes: readonly Scope[];
  /** Origins this key may be used from; empty: the stage's allowed origins. */
  allowedOrigins: readonly string[];
}

/** A key with only the `submit` scope is meant to sit in web pages: bound to origins, and rate limited. */
export const isBrowserKey = (caller: Pick<Caller, "scopes">) => caller.scopes.every((scope) => scope === "submit");

/** At most `requests` in each window of `perSeconds`. */
export const rateLimitSchema = z.strictObject({
  requests: z.int().positive().max(1_000_000),
  perSeconds: z.int().positive().max(86_400),
});
export type RateLimit = z.infer<typeof rateLimitSchema>;

/**
 * Limits on what a browser (submit-only) key may do: such a key is public, so its volume is bounded
 * per key, per source IP, and per customer and survey on intake; `null` turns a limit off. Keys with
 * other scopes are secrets held by servers, bounded by the stage's throttle.
 */
export const abuseControlSchema = z.strictObject({
  /** Accept submit-only keys from requests with no `Origin` (server-side forms); off, they need an allowed origin. */
  serverSideSubmitKeys: z.boolean().default(false),
  perKey: rateLimitSchema.nullable().default({ requests: 600, perSeconds: 60 }),
  perSourceIp: rateLimitSchema.nullable().default({ requests: 60, perSeconds: 60 }),
  perCustomerSurvey: rateLimitSchema.nullable().default({ requests: 3, perSeconds: 3600 }),
});
export type AbuseControl = z.infer<typeof abuseControlSchema>;
