import { getSecret } from "@aws-lambda-powertools/parameters/secrets";
import { SESv2Client, SendEmailCommand } from "@aws-sdk/client-sesv2";
import { IncomingWebhook } from "@slack/webhook";
import { createTransport, type Transporter } from "nodemailer";
import type { EmailMessage, SlackMessage } from "../core/alerts";
import { once } from "./clients/once";

/** Slack incoming webhooks by name; `*` is a template (`{name}`) for names not listed, used by the local runtime. */
export type WebhookDirectory = Record<string, string>;

export class SlackNotifier {
  private readonly hooks = new Map<string, IncomingWebhook>();

  constructor(private readonly directory: () => Promise<WebhookDirectory>) {}

  /** Sends to the named webhook; throws on failure so the alert is retried. Returns false when no webhook is configured. */
  async send(name: string, message: SlackMessage): Promise<boolean> {
    const directory = await this.directory();
    const url = directory[name] ?? directory["*"]?.replace("{name}", encodeURIComponent(name));
    if (!url) return false;
    let hook = this.hooks.get(url);
    if (!hook) {
      // Retries belong to the queue (with backoff and a DLQ), not to an in-process loop.
      hook = new IncomingWebhook(url, { timeout: 5000 });
      this.hooks.set(url, hook);
    }
    await hook.send({ text: message.text, blocks: message.blocks });
    return true;
  }
}

export interface EmailSender {
  send(to: string, message: EmailMessage): Promise<void>;
}

export class SesEmailSender implements EmailSender {
  constructor(
    private readonly client: SESv2Client,
    private readonly from: string,
  ) {}

  async send(to: string, message: EmailMessage): Promise<void> {
    await this.client.send(
      new SendEmailCommand({
        FromEmailAddress: this.from,
        Destination: { ToAddresses: [to] },
        Content: {
          Simple: {
            Subject: { Data: message.subject, Charset: "UTF-8" },
            Body: { Text: { Data: message.text, Charset: "UTF-8" }, Html: { Data: message.html, Charset: "UTF-8" } },
            Attachments: message.inlineImages?.map((image) => ({
              RawContent: image.content,
              ContentDisposition: "INLINE",
              ContentId: image.cid,
              ContentType: image.contentType,
              FileName: image.filename,
            })),
          },
        },
      }),
    );
  }
}

export class SmtpEmailSender implements EmailSender {
  private readonly transport: Transporter;

  constructor(
    smtpUrl: string,
    private readonly from: string,
  ) {
    this.transport = createTransport(smtpUrl);
  }

  async send(to: string, message: EmailMessage): Promise<void> {
    await this.transport.sendMail({
      from: this.from,
      to,
      subject: message.subject,
      text: message.text,
      html: message.html,
      attachments: message.inlineImages?.map((image) => ({
        cid: image.cid,
        filename: image.filename,
        contentType: image.contentType,
        content: Buffer.from(image.content),
        contentDisposition: "inline" as const,
      })),
    });
  }
}

const sesClient = /* @__PURE__ */ once(() => new SESv2Client({}));

/** Slack and email senders: webhooks and SMTP from the environment locally, Secrets Manager and SES on AWS. */
export function createNotifiers(settings: {
  slackWebhooks?: WebhookDirectory;
  slackWebhooksSecretArn?: string;
  emailFrom?: string;
  smtpUrl?: string;
}): { slack: SlackNotifier; email: EmailSender | null } {
  const { slackWebhooks, slackWebhooksSecretArn, emailFrom, smtpUrl } = settings;
  // Webhook URLs are credentials: read from Secrets Manager on AWS (cached five minutes), never logged.
  const webhooks = async (): Promise<WebhookDirectory> =>
    slackWebhooksSecretArn
      ? ((await getSecret<WebhookDirectory>(slackWebhooksSecretArn, { transform: "json", maxAge: 300 })) ?? {})
      : (slackWebhooks ?? {});
  const email = emailFrom
    ? smtpUrl
      ? new SmtpEmailSender(smtpUrl, emailFrom)
      : new SesEmailSender(sesClient(), emailFrom)
    : null;
  return { slack: new SlackNotifier(webhooks), email };
}
