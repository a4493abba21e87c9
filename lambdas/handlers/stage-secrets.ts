import { getSecret } from "@aws-lambda-powertools/parameters/secrets";
import { once } from "../adapters/clients/once";
import { type InboundHookSecrets, inboundHookSecretsSchema } from "../contracts/inbound-hooks";
import { readEnv } from "../contracts/runtime-env";
import type { IdentityPolicy } from "../core/collect";

/*
 * The stage's secrets, read from Secrets Manager on AWS (cached five minutes) and from the environment locally.
 * Apart from the composition root, so that only the functions that read one (intake, hooks) import the
 * Secrets Manager client: an ESM import of it is loaded at every cold start, used or not.
 */

/** What verifies Delighted's and Formbricks' webhooks; cached five minutes, so a secret put after deploy is picked up. */
export const inboundHookSecrets = async (): Promise<InboundHookSecrets> => {
  const { inboundHookSecrets: given, inboundHookSecretsArn } = readEnv(["inboundHookSecrets", "inboundHookSecretsArn"]);
  if (given) return given;
  if (!inboundHookSecretsArn) return {};
  return inboundHookSecretsSchema.parse(await getSecret(inboundHookSecretsArn, { maxAge: 300, transform: "json" }));
};
/**
 * How browsers may speak for a customer id, or null when the stage has no identity secret. The secret is
 * read from Secrets Manager (cached five minutes) on AWS, from the environment locally.
 */
export const identityPolicy = async (): Promise<IdentityPolicy | null> => {
  const { identitySecret, identitySecretArn, requireSignedCustomers } = identitySettings();
  const secret =
    identitySecret ?? (identitySecretArn ? await getSecret<string>(identitySecretArn, { maxAge: 300 }) : undefined);
  return secret ? { secret, required: requireSignedCustomers } : null;
};
const identitySettings = /* @__PURE__ */ once(() =>
  readEnv(["identitySecret", "identitySecretArn", "requireSignedCustomers"]),
);
