import { getSecret } from "@aws-lambda-powertools/parameters/secrets";
import { CaseStore, VersionConflictError } from "../adapters/case-store";
import { dynamoDocumentClient, eventBridgeClient } from "../adapters/clients";
import { EventPublisher } from "../adapters/event-publisher";
import {
  SesEmailSender,
  SlackNotifier,
  SmtpEmailSender,
  sesClient,
  type WebhookDirectory,
} from "../adapters/notifiers";
import { readEnv } from "../contracts/runtime-env";

/** What the close-the-loop functions share: config, the case store, the bus, and the notifiers. */
export function followUpWiring() {
  const env = readEnv([
    "tableName",
    "eventBusName",
    "followUpConfig",
    "slackWebhooks",
    "slackWebhooksSecretArn",
    "emailFrom",
    "smtpUrl",
  ]);
  const store = new CaseStore(dynamoDocumentClient(), env.tableName);
  const events = new EventPublisher(eventBridgeClient(), env.eventBusName);
  // Webhook URLs are credentials: read from Secrets Manager on AWS (cached five minutes), never logged.
  const webhooks = async (): Promise<WebhookDirectory> =>
    env.slackWebhooksSecretArn
      ? ((await getSecret<WebhookDirectory>(env.slackWebhooksSecretArn, { transform: "json", maxAge: 300 })) ?? {})
      : (env.slackWebhooks ?? {});
  const email = env.emailFrom
    ? env.smtpUrl
      ? new SmtpEmailSender(env.smtpUrl, env.emailFrom)
      : new SesEmailSender(sesClient(), env.emailFrom)
    : null;
  return {
    config: env.followUpConfig,
    store,
    events,
    slack: new SlackNotifier(webhooks),
    email,
    now: () => new Date(),
    isConflict: (error: unknown) => error instanceof VersionConflictError,
  };
}
