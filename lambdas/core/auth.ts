import { createHash } from "node:crypto";
import type { ApiKeyEntry, Scope } from "../contracts/auth";

export const hashApiKey = (key: string) => createHash("sha256").update(key, "utf8").digest("hex");

export type AuthResult = { ok: true; key: ApiKeyEntry } | { ok: false; status: 401 | 403; message: string };

/**
 * Finds the key presented as `Authorization: Bearer <key>` or `x-api-key`, and
 * checks it grants `needed` (admin grants everything). Keys with only the
 * `submit` scope are meant for browsers, so they are bound to the allowed origins.
 */
export function authorize(
  request: { authorization?: string; apiKey?: string; origin?: string },
  needed: Scope,
  config: { keys: readonly ApiKeyEntry[]; allowedOrigins: readonly string[] },
): AuthResult {
  const presented = request.apiKey ?? request.authorization?.match(/^Bearer\s+(\S+)$/i)?.[1];
  if (!presented)
    return { ok: false, status: 401, message: "missing API key: send Authorization: Bearer <key> or x-api-key" };
  const hash = hashApiKey(presented);
  const key = config.keys.find((entry) => entry.sha256 === hash);
  if (!key) return { ok: false, status: 401, message: "unknown API key" };
  if (!key.scopes.includes(needed) && !key.scopes.includes("admin"))
    return { ok: false, status: 403, message: `this API key lacks the '${needed}' scope` };
  const browserOnly = !key.scopes.some((scope) => scope !== "submit");
  if (browserOnly && request.origin && !originAllowed(request.origin, config.allowedOrigins))
    return { ok: false, status: 403, message: `origin ${request.origin} is not allowed for this API key` };
  return { ok: true, key };
}

export const originAllowed = (origin: string, allowed: readonly string[]) =>
  allowed.includes("*") || allowed.includes(origin);
