/** Where people sign in, read at boot from `/config.json` so one build serves every stage. */
export type SignInConfig =
  | { kind: "local"; url: string }
  | { kind: "cognito"; issuer: string; domain: string; clientId: string; redirectUri: string };

export interface ConsoleConfig {
  signIn: SignInConfig;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const isNonEmptyString = (value: unknown): value is string => typeof value === "string" && value.length > 0;

const isHttpUrl = (value: unknown): value is string => {
  if (!isNonEmptyString(value)) return false;
  try {
    const { protocol } = new URL(value);
    return protocol === "https:" || protocol === "http:";
  } catch {
    return false;
  }
};

/** The config, or every problem with the document (a hand-written check: zod would triple the bundle). */
export function parseConfig(document: unknown): { config: ConsoleConfig } | { problems: string[] } {
  if (!isRecord(document) || !isRecord(document.signIn)) return { problems: ["signIn must be an object"] };
  const { kind, url, issuer, domain, clientId, redirectUri } = document.signIn;
  if (kind === "local") {
    // A path keeps the local sign-in on the console's own origin.
    if (typeof url === "string" && url.startsWith("/") && !url.startsWith("//"))
      return { config: { signIn: { kind, url } } };
    return { problems: ["signIn.url must be a path such as /_local/sign-in"] };
  }
  if (kind !== "cognito") return { problems: ['signIn.kind must be "local" or "cognito"'] };
  const problems: string[] = [];
  const checked = (field: string, value: unknown, valid: (value: unknown) => value is string, expected: string) => {
    if (valid(value)) return value;
    problems.push(`signIn.${field} must be ${expected}`);
    return "";
  };
  const signIn: SignInConfig = {
    kind,
    issuer: checked("issuer", issuer, isHttpUrl, "an http(s) URL"),
    domain: checked("domain", domain, isHttpUrl, "an http(s) URL"),
    redirectUri: checked("redirectUri", redirectUri, isHttpUrl, "an http(s) URL"),
    clientId: checked("clientId", clientId, isNonEmptyString, "a non-empty string"),
  };
  return problems.length > 0 ? { problems } : { config: { signIn } };
}

export async function loadConfig(): Promise<ConsoleConfig> {
  const response = await fetch("/config.json", { headers: { Accept: "application/json" } });
  if (!response.ok) throw new Error(`/config.json answered ${response.status}`);
  const parsed = parseConfig(await response.json().catch(() => undefined));
  if ("problems" in parsed) throw new Error(`/config.json is not usable: ${parsed.problems.join("; ")}`);
  return parsed.config;
}
