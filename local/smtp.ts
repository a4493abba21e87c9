import type { AddressInfo } from "node:net";
import { simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";
import type { Outbox } from "./outbox";

/**
 * An SMTP server that accepts every message and files it in the outbox, so
 * email senders (nodemailer over SMTP) run unchanged locally.
 */
export async function startSmtpCapture(
  outbox: Outbox,
  host: string,
  log: (line: string) => void,
): Promise<{ url: string; close(): Promise<void> }> {
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    // The name a greeting gives the client is cosmetic; looking it up per connection only waits on DNS.
    disableReverseLookup: true,
    onData(stream, session, callback) {
      // As sent: by default the parser rewrites `cid:` references to data URIs.
      simpleParser(stream, { keepCidLinks: true })
        .then((mail) => {
          const recipients = session.envelope.rcptTo.map((rcpt) => rcpt.address).join(", ");
          outbox.add({
            kind: "email",
            to: recipients,
            subject: mail.subject ?? null,
            text: mail.text ?? "",
            payload: {
              from: mail.from?.text ?? null,
              html: mail.html || null,
              attachments: mail.attachments.map((attachment) => ({
                cid: attachment.cid ?? null,
                contentType: attachment.contentType,
                size: attachment.size,
              })),
            },
          });
          callback();
        })
        .catch((error: Error) => callback(error));
    },
  });
  // A sender gone mid-mail (a sandbox discarded at its timeout) is a failed connection, not a failed stand-in: the
  // mail it never saw acknowledged is sent again by its retry. Left unheard, smtp-server's error took the runtime down.
  server.on("error", (error: Error) => log(`smtp: ${error.message}`));
  await new Promise<void>((resolve) => server.listen(0, host, () => resolve()));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://${host}:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
