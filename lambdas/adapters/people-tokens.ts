import { createRemoteJWKSet, type JWTPayload, jwtVerify } from "jose";
import { type Caller, GROUPS_CLAIM, type PeopleAuth, ROLE_SCOPE, type Role, roles } from "../contracts/auth";

/** A compact JWS: three base64url parts. API keys never look like one (`cxk_…`, or the stage's own strings). */
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
export const looksLikeToken = (presented: string) => JWT_SHAPE.test(presented);

/** The strongest role among a person's groups; a person in none of them gets no access. */
function roleOf(payload: JWTPayload): Role | null {
  const groups = payload[GROUPS_CLAIM];
  if (!Array.isArray(groups)) return null;
  for (const role of [...roles].reverse()) if (groups.includes(role)) return role;
  return null;
}

/**
 * Signed-in people: their ID token is verified against the issuer's published keys (signature,
 * issuer, audience, expiry), the same code on AWS (Cognito) and locally (the runtime's signing key).
 * The keys are fetched once and cached by `jose`, which refetches when a token names an unknown key.
 */
export class PeopleTokens {
  private readonly keys: ReturnType<typeof createRemoteJWKSet>;

  constructor(private readonly settings: PeopleAuth) {
    this.keys = createRemoteJWKSet(new URL(settings.jwksUrl));
  }

  async verify(token: string): Promise<Caller | undefined> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.keys, {
        issuer: this.settings.issuer,
        audience: this.settings.audience,
        algorithms: ["RS256", "ES256"],
        requiredClaims: ["sub", "exp"],
      }));
    } catch {
      return undefined;
    }
    // Cognito issues access tokens too; only the ID token names the person and carries the audience checked above.
    if (payload.token_use !== undefined && payload.token_use !== "id") return undefined;
    const role = roleOf(payload);
    if (!role) return undefined;
    const name = [payload.email, payload["cognito:username"], payload.sub].find(
      (value): value is string => typeof value === "string" && value.length > 0,
    ) as string;
    return { kind: "person", id: payload.sub ?? null, name, scopes: [ROLE_SCOPE[role]], allowedOrigins: [] };
  }
}
