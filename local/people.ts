import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
  type JWTPayload,
  SignJWT,
} from "jose";
import * as z from "zod";
import { GROUPS_CLAIM, type PeopleAuth, roles } from "../lambdas/contracts/auth";

/** The local stand-in for the user pool's client: tokens say they are for it, and the API checks that. */
export const LOCAL_AUDIENCE = "cxloop-console-local";
const TOKEN_HOURS = 8;
const ALGORITHM = "ES256";
type SigningKey = Awaited<ReturnType<typeof importJWK>>;

/** Who may be signed in locally: a name (no password: this machine is the only user) and a role. */
export const localSignInSchema = z.strictObject({
  user: z
    .string()
    .regex(/^[A-Za-z0-9._@-]{1,64}$/, "1-64 letters, digits, dots, dashes, underscores or @")
    .describe("the name to sign in as"),
  role: z.enum(roles),
});
export type LocalSignIn = z.infer<typeof localSignInSchema>;

/**
 * The local runtime's identity provider: an ES256 key kept under the data directory (so tokens survive
 * a restart), its public half published as a JWKS, and ID tokens shaped like Cognito's. The API verifies
 * them exactly as it verifies Cognito's on AWS: the same claims, the same `jose` code path.
 */
export class LocalPeople {
  private constructor(
    private readonly privateKey: SigningKey,
    private readonly publicJwk: JWK,
    readonly auth: PeopleAuth,
  ) {}

  static async open(dataDir: string, baseUrl: string): Promise<LocalPeople> {
    const file = join(dataDir, "signing-key.json");
    let privateJwk: JWK;
    if (existsSync(file)) privateJwk = JSON.parse(readFileSync(file, "utf8")) as JWK;
    else {
      const { privateKey } = await generateKeyPair(ALGORITHM, { extractable: true });
      privateJwk = await exportJWK(privateKey);
      writeFileSync(file, JSON.stringify(privateJwk), { mode: 0o600 });
    }
    const { d: _secret, ...publicPart } = privateJwk;
    const kid = await calculateJwkThumbprint(publicPart);
    const privateKey = await importJWK(privateJwk, ALGORITHM);
    return new LocalPeople(
      privateKey,
      { ...publicPart, kid, alg: ALGORITHM, use: "sig" },
      { issuer: `${baseUrl}/_local`, audience: LOCAL_AUDIENCE, jwksUrl: `${baseUrl}/_local/jwks.json` },
    );
  }

  get jwks() {
    return { keys: [this.publicJwk] };
  }

  async issue({ user, role }: LocalSignIn, now = new Date()): Promise<{ token: string; expiresAt: string }> {
    const expires = new Date(now.getTime() + TOKEN_HOURS * 3_600_000);
    const claims: JWTPayload = { "cognito:username": user, [GROUPS_CLAIM]: [role], token_use: "id" };
    const token = await new SignJWT(claims)
      .setProtectedHeader({ alg: ALGORITHM, kid: this.publicJwk.kid as string, typ: "JWT" })
      .setIssuer(this.auth.issuer)
      .setAudience(this.auth.audience)
      .setSubject(`local:${user}`)
      .setIssuedAt(Math.floor(now.getTime() / 1000))
      .setExpirationTime(Math.floor(expires.getTime() / 1000))
      .sign(this.privateKey);
    return { token, expiresAt: expires.toISOString() };
  }
}
