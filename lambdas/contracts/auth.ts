import * as z from "zod";

export const scopes = ["submit", "read", "agent", "admin"] as const;
export type Scope = (typeof scopes)[number];

/**
 * What each scope includes besides itself: an agent reads and works cases, an admin does everything.
 * `submit` stays on its own: a key that can read must never be the one sitting in a web page.
 */
const INCLUDED: Record<Scope, readonly Scope[]> = {
  submit: [],
  read: [],
  agent: ["read"],
  admin: ["submit", "read", "agent"],
};
export const grants = (held: readonly Scope[], needed: Scope) =>
  held.some((scope) => scope === needed || INCLUDED[scope].includes(needed));

/** People sign in with a role, a group in the user pool; each maps to one scope. */
export const roles = ["viewer", "agent", "admin"] as const;
export type Role = (typeof roles)[number];
export const ROLE_SCOPE: Record<Role, Scope> = { viewer: "read", agent: "agent", admin: "admin" };

/**
 * How the API checks a signed-in person's token (an OIDC ID token): who issues it, for which client, and
 * where the issuer's public keys are. On AWS the Cognito user pool; locally the runtime's signing key.
 */
export const peopleAuthSchema = z.strictObject({
  issuer: z.url(),
  audience: z.string().min(1),
  jwksUrl: z.url(),
});
export type PeopleAuth = z.infer<typeof peopleAuthSchema>;
/** The claim holding a person's groups: Cognito's, which the local sign-in uses too, so one path verifies both. */
export const GROUPS_CLAIM = "cognito:groups";

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

/** Who made a request: a key from the stage config (`id` null), one managed through `/v1/keys`, or a signed-in person. */
export interface Caller {
  kind: "key" | "person";
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

/** `GET /v1/me`: who the console is signed in as, and what it may show. */
export const meSchema = z
  .object({
    name: z.string(),
    kind: z.enum(["key", "person"]),
    scopes: z.array(z.enum(scopes)),
    role: z.enum(roles).nullable().meta({ description: "a person's role; null for an API key" }),
  })
  .meta({ id: "Me" });

export const whoIs = (caller: Caller): z.infer<typeof meSchema> => ({
  name: caller.name,
  kind: caller.kind,
  scopes: [...caller.scopes],
  role: caller.kind === "person" ? (roles.find((role) => caller.scopes.includes(ROLE_SCOPE[role])) ?? null) : null,
});
