import type { KnownBlock } from "@slack/types";
import type { Case } from "../contracts/cases";
import type { Contact, FollowUpConfig } from "../contracts/follow-up-config";
import { escapeHtml, escapeSlack } from "./escape";

export interface SlackMessage {
  text: string;
  blocks: KnownBlock[];
}
/** An image the HTML shows as `cid:<cid>`: attached inline, because mail clients strip inline SVG and block remote images. */
export interface InlineImage {
  cid: string;
  filename: string;
  contentType: "image/png";
  content: Uint8Array;
}
export interface EmailMessage {
  subject: string;
  text: string;
  html: string;
  inlineImages?: readonly InlineImage[];
}
export interface Alert {
  /** Stable per case, trigger and channel: the delivery log key that stops a retry from sending twice. */
  key: string;
  contact: Contact;
  slack: SlackMessage;
  email: EmailMessage;
}

const EXCERPT = 280;
const excerpt = (text: string | null) =>
  text ? (text.length > EXCERPT ? `${text.slice(0, EXCERPT - 1)}…` : text) : "(no comment)";
const money = (value: number | null, currency: string | null) =>
  value === null
    ? "unknown"
    : `${new Intl.NumberFormat("en", { maximumFractionDigits: 0 }).format(value)} ${currency ?? ""}`.trim();

/**
 * Who hears about a case: its owner when opened, the level's contact when escalated. `customerName` comes
 * from the table (events carry no names); without one the customer is shown by id.
 */
export function alertFor(
  item: Case,
  trigger: { kind: "opened" } | { kind: "escalated"; level: number },
  config: FollowUpConfig,
  customerName: string | null,
): Alert | null {
  const contact =
    trigger.kind === "opened"
      ? (config.owners[item.owner] ?? { name: item.owner, slack: "default" })
      : config.escalation[trigger.level - 1];
  if (!contact) return null;
  const { response, churnRisk } = item;
  const scoreLine = !response
    ? `churn risk ${churnRisk?.score ?? "?"} (${churnRisk?.level ?? "unknown"})`
    : response.score === null
      ? response.type
      : `${response.type.toUpperCase()} ${response.score}${response.scale ? `/${response.scale.max}` : ""} (${response.category ?? "uncategorised"})`;
  const snapshot = response?.customer;
  const customer = snapshot
    ? `${customerName ?? snapshot.id}${snapshot.segment ? ` · ${snapshot.segment}` : ""} · value ${money(snapshot.annualValue, snapshot.currency)}`
    : (customerName ?? item.customerId ?? "anonymous");
  const due = new Date(item.dueAt).toUTCString();
  const link = config.caseUrl ? `${config.caseUrl.replace(/\/$/, "")}/${encodeURIComponent(item.id)}` : null;
  const headline =
    trigger.kind === "opened"
      ? `New ${item.priority}-priority follow-up for ${item.owner}: ${scoreLine}`
      : `Overdue case escalated to level ${trigger.level} (${contact.name}): ${scoreLine}`;
  const comment = response ? excerpt(response.comment) : (churnRisk?.reasons.join("; ") ?? "");

  const fields = [
    `*Score*\n${scoreLine}`,
    `*Customer*\n${customer}`,
    `*SLA due*\n${due}`,
    `*Owner · priority*\n${item.owner} · ${item.priority}`,
  ];
  const blocks: KnownBlock[] = [
    { type: "header", text: { type: "plain_text", text: headline.slice(0, 150) } },
    { type: "section", fields: fields.map((text) => ({ type: "mrkdwn", text: escapeSlack(text) })) },
    { type: "section", text: { type: "mrkdwn", text: `> ${escapeSlack(comment).replace(/\n/g, "\n> ")}` } },
    {
      type: "context",
      elements: [
        {
          type: "mrkdwn",
          text: escapeSlack(
            `Case ${item.id} · rule ${item.rule} · survey ${response?.survey ?? "-"} · ${response?.touchpoint ?? "-"}`,
          ),
        },
      ],
    },
  ];
  if (link)
    blocks.push({
      type: "actions",
      elements: [{ type: "button", text: { type: "plain_text", text: "Open case" }, url: link }],
    });
  const lines = [
    headline,
    "",
    `Score: ${scoreLine}`,
    `Customer: ${customer}`,
    `SLA due: ${due}`,
    `Owner: ${item.owner} (${item.priority} priority)`,
    `Comment: ${comment}`,
    `Case: ${item.id}${link ? ` ${link}` : ""}`,
  ];
  const html = `<h2>${escapeHtml(headline)}</h2><table>${[
    ["Score", scoreLine],
    ["Customer", customer],
    ["SLA due", due],
    ["Owner", `${item.owner} (${item.priority} priority)`],
  ]
    .map(([label, value]) => `<tr><th align="left">${label}</th><td>${escapeHtml(value as string)}</td></tr>`)
    .join("")}</table><blockquote>${escapeHtml(comment)}</blockquote>${
    link
      ? `<p><a href="${escapeHtml(link)}">Open case ${escapeHtml(item.id)}</a></p>`
      : `<p>Case ${escapeHtml(item.id)}</p>`
  }`;
  return {
    key: trigger.kind === "opened" ? "opened" : `escalated-${trigger.level}`,
    contact,
    slack: { text: escapeSlack(headline), blocks },
    email: { subject: `[cxloop] ${headline}`, text: lines.join("\n"), html },
  };
}
