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
