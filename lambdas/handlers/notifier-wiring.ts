import { getSecret } from "@aws-lambda-powertools/parameters/secrets";
import {
  SesEmailSender,
  SlackNotifier,
  SmtpEmailSender,
  sesClient,
  type WebhookDirectory,
} from "../adapters/notifiers";
import { readEnv } from "../contracts/runtime-env";

/** Slack and email senders, from the environment (local) or Secrets Manager and SES (AWS). */
export function notifierWiring() {
  const env = readEnv(["slackWebhooks", "slackWebhooksSecretArn", "emailFrom", "smtpUrl"]);
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
  return { slack: new SlackNotifier(webhooks), email };
}
