import { SESv2Client, SendEmailCommand } from "@aws-sdk/client-sesv2";
import { IncomingWebhook } from "@slack/webhook";
import { createTransport, type Transporter } from "nodemailer";
import type { EmailMessage, SlackMessage } from "../core/alerts";

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
    });
  }
}

export const sesClient = (() => {
  let client: SESv2Client | undefined;
  return () => {
    client ??= new SESv2Client({});
    return client;
  };
})();
