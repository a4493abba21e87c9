import { createHash } from "node:crypto";
import { type Caller, grants, isBrowserKey, type Scope } from "../contracts/auth";

/** Stage keys are configured as the SHA-256 of the key. */
export const hashApiKey = (key: string) => createHash("sha256").update(key, "utf8").digest("hex");

export type AuthResult = { ok: true; caller: Caller } | { ok: false; status: 401 | 403; message: string };

export interface AuthPolicy {
  /** Who a presented key or signed-in person's token belongs to, if anyone. */
  directory: { find(presented: string): Promise<Caller | undefined> };
  /** The stage's allowed origins, for keys that list none of their own. */
  allowedOrigins: readonly string[];
  serverSideSubmitKeys: boolean;
}

/**
 * Finds the key presented as `Authorization: Bearer <key>` or `x-api-key`, and checks it grants
 * `needed` (admin grants everything). Submit-only keys are meant for web pages, so they are bound
 * to allowed origins, and need one unless the stage accepts them from servers.
 */
export async function authorize(
  request: { authorization?: string; apiKey?: string; origin?: string },
  needed: Scope,
  policy: AuthPolicy,
): Promise<AuthResult> {
  const presented = request.apiKey ?? request.authorization?.match(/^Bearer\s+(\S+)$/i)?.[1];
  if (!presented)
    return { ok: false, status: 401, message: "missing API key: send Authorization: Bearer <key> or x-api-key" };
  const caller = await policy.directory.find(presented);
  if (!caller) return { ok: false, status: 401, message: "unknown or revoked API key, or an invalid or expired token" };
  if (!grants(caller.scopes, needed))
    return {
      ok: false,
      status: 403,
      message: `${caller.kind === "person" ? "your role" : "this API key"} lacks the '${needed}' scope`,
    };
  if (isBrowserKey(caller)) {
    const origins = caller.allowedOrigins.length > 0 ? caller.allowedOrigins : policy.allowedOrigins;
    if (!request.origin && !policy.serverSideSubmitKeys)
      return {
        ok: false,
        status: 403,
        message: "a submit-only key is for web pages and needs an allowed Origin; servers use a key with another scope",
      };
    if (request.origin && !originAllowed(request.origin, origins))
      return { ok: false, status: 403, message: `origin ${request.origin} is not allowed for this API key` };
  }
  return { ok: true, caller };
}

export const originAllowed = (origin: string, allowed: readonly string[]) =>
  allowed.includes("*") || allowed.includes(origin);
