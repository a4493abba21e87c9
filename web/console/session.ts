import * as oauth from "oauth4webapi";
import type { ConsoleConfig, SignInConfig } from "./config";

/**
 * The signed-in person's ID token. sessionStorage, not localStorage: it ends with the tab, and
 * other tabs of the same origin do not inherit it.
 */
const TOKEN_KEY = "cxloop.token";
/** The PKCE verifier, state, nonce and return path of a Cognito sign-in in progress. */
const PENDING_SIGN_IN_KEY = "cxloop.signIn";

type CognitoSignIn = Extract<SignInConfig, { kind: "cognito" }>;

interface PendingSignIn {
  codeVerifier: string;
  state: string;
  nonce: string;
  returnTo: string;
}

export const readToken = () => sessionStorage.getItem(TOKEN_KEY);

const signedOutListeners = new Set<() => void>();

/** Calls `listener` whenever the token is dropped (sign-out, or the API refused it). */
export function onSignedOut(listener: () => void) {
  signedOutListeners.add(listener);
  return () => signedOutListeners.delete(listener);
}

export function dropToken() {
  sessionStorage.removeItem(TOKEN_KEY);
  for (const listener of signedOutListeners) listener();
}

const currentPath = () => `${location.pathname}${location.search}`;

/**
 * The local sign-in page lands on `<path>#token=<jwt>`: keep the token and take it out of the
 * address bar, so it is not bookmarked, shared or kept in history.
 */
function takeTokenFromFragment() {
  const token = new URLSearchParams(location.hash.slice(1)).get("token");
  if (token === null) return;
  sessionStorage.setItem(TOKEN_KEY, token);
  history.replaceState(history.state, "", currentPath());
}

const cognitoClient = (signIn: CognitoSignIn): oauth.Client => ({ client_id: signIn.clientId });

async function discover(signIn: CognitoSignIn) {
  const issuer = new URL(signIn.issuer);
  return oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: "oidc" }));
}

/** Sends the browser to Cognito's hosted UI (authorization code flow with PKCE). */
export async function startCognitoSignIn(signIn: CognitoSignIn) {
  const server = await discover(signIn);
  if (server.authorization_endpoint === undefined) throw new Error("the issuer publishes no authorization endpoint");
  const pending: PendingSignIn = {
    codeVerifier: oauth.generateRandomCodeVerifier(),
    state: oauth.generateRandomState(),
    nonce: oauth.generateRandomNonce(),
    returnTo: currentPath(),
  };
  sessionStorage.setItem(PENDING_SIGN_IN_KEY, JSON.stringify(pending));
  const url = new URL(server.authorization_endpoint);
  url.search = new URLSearchParams({
    client_id: signIn.clientId,
    redirect_uri: signIn.redirectUri,
    response_type: "code",
    scope: "openid email profile",
    code_challenge: await oauth.calculatePKCECodeChallenge(pending.codeVerifier),
    code_challenge_method: "S256",
    state: pending.state,
    nonce: pending.nonce,
  }).toString();
  location.assign(url);
}

function takePendingSignIn(): PendingSignIn | null {
  const stored = sessionStorage.getItem(PENDING_SIGN_IN_KEY);
  sessionStorage.removeItem(PENDING_SIGN_IN_KEY);
  if (stored === null) return null;
  try {
    const pending: Partial<PendingSignIn> = JSON.parse(stored);
    const { codeVerifier, state, nonce, returnTo } = pending;
    if ([codeVerifier, state, nonce, returnTo].every((value) => typeof value === "string"))
      return pending as PendingSignIn;
  } catch {
    // A corrupted entry is treated like none: the person signs in again.
  }
  return null;
}

/** Back from Cognito with `?code=` (or `?error=`): trade the code for the ID token and go back where the person was. */
async function finishCognitoSignIn(signIn: CognitoSignIn) {
  const callback = new URL(location.href);
  if (!callback.searchParams.has("code") && !callback.searchParams.has("error")) return;
  const pending = takePendingSignIn();
  // Drop the code from the address bar whatever happens: it can be used once only.
  history.replaceState(history.state, "", pending?.returnTo ?? "/");
  if (pending === null) throw new Error("the sign-in was not started from this tab; sign in again");
  const server = await discover(signIn);
  const client = cognitoClient(signIn);
  const parameters = oauth.validateAuthResponse(server, client, callback, pending.state);
  const response = await oauth.authorizationCodeGrantRequest(
    server,
    client,
    oauth.None(),
    parameters,
    signIn.redirectUri,
    pending.codeVerifier,
  );
  const tokens = await oauth.processAuthorizationCodeResponse(server, client, response, {
    expectedNonce: pending.nonce,
    requireIdToken: true,
  });
  if (tokens.id_token !== undefined) sessionStorage.setItem(TOKEN_KEY, tokens.id_token);
}

/**
 * Picks up a token handed over by a sign-in redirect. Resolves with the reason a sign-in failed,
 * if one did, so the signed-out screen can say why.
 */
export async function completeSignIn(config: ConsoleConfig): Promise<string | null> {
  try {
    if (config.signIn.kind === "local") takeTokenFromFragment();
    else await finishCognitoSignIn(config.signIn);
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

export function signOut(signIn: SignInConfig) {
  dropToken();
  if (signIn.kind !== "cognito") return;
  // Ends the hosted UI's own session too, or the next sign-in would be silent.
  const logout = new URL(`${signIn.domain.replace(/\/+$/, "")}/logout`);
  logout.search = new URLSearchParams({ client_id: signIn.clientId, logout_uri: signIn.redirectUri }).toString();
  location.assign(logout);
}
