import { createHash, randomBytes } from "node:crypto";
import { BlockList, isIP } from "node:net";
import { Webhook } from "standardwebhooks";
import { DetailType } from "../contracts/events";
import type { Contact } from "../contracts/follow-up-config";
import {
  type Delivery,
  type DeliveryMessage,
  SECRET_OVERLAP_HOURS,
  WEBHOOK_PAYLOADS,
  WEBHOOK_PING_TYPE,
  type WebhookCreateInput,
  type WebhookSummary,
} from "../contracts/webhooks";
import type { EmailMessage, SlackMessage } from "./alerts";
import { ClientError, notFound, validationFailed } from "./client-error";
import { type Channel, type DeliveryPorts, deliverOnce } from "./delivery-log";
import { escapeHtml, escapeSlack } from "./escape";
import { matchesEventPattern } from "./event-pattern";

/** One signing secret; a rotated-out one keeps signing until `expiresAt`. */
export interface WebhookSecret {
  value: string;
  createdAt: string;
  expiresAt: string | null;
}

/** An endpoint at rest. The secrets are kept as they are: signing (HMAC) needs them, unlike a key's hash. */
export interface StoredWebhook extends Omit<WebhookSummary, "filter"> {
  /** The pattern as JSON text, so DynamoDB keeps its exact shape (`$or`, numeric arrays). */
  filter: string | null;
  secrets: WebhookSecret[];
}

export interface WebhookStorePort {
  create(webhook: StoredWebhook): Promise<void>;
  get(id: string): Promise<StoredWebhook | undefined>;
  list(): Promise<StoredWebhook[]>;
  delete(id: string): Promise<boolean>;
  /** False when the endpoint is gone. */
  replaceSecrets(id: string, secrets: WebhookSecret[]): Promise<boolean>;
  recordSuccess(id: string, at: Date): Promise<void>;
  /** Disables an enabled endpoint; returns when it was disabled (now, or earlier by another attempt), undefined when gone. */
  disable(id: string, at: Date, reason: string): Promise<string | undefined>;
  /** Enables the endpoint (clearing why it was disabled); false when it is gone. */
  enable(id: string): Promise<boolean>;
}

export interface DeliveryLogPort {
  record(webhookId: string, delivery: Delivery): Promise<void>;
}

export interface DeliveryQueuePort {
  enqueue(items: readonly { message: DeliveryMessage; delaySeconds: number }[]): Promise<void>;
  deadLetter(message: DeliveryMessage): Promise<void>;
}

/** What an attempt got back: an HTTP status, or no answer at all. */
export type PostOutcome = { status: number; latencyMs: number } | { error: string; latencyMs: number };

export interface WebhookPoster {
  post(url: string, headers: Record<string, string>, body: string): Promise<PostOutcome>;
}

// --- Addresses a delivery may not reach -------------------------------------------------------------

const forbidden = new BlockList();
for (const [network, prefix] of [
  ["0.0.0.0", 8], // "this network"
  ["10.0.0.0", 8],
  ["100.64.0.0", 10], // carrier-grade NAT
  ["127.0.0.0", 8],
  ["169.254.0.0", 16], // link-local, and the instance metadata service (169.254.169.254)
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.0.2.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["198.51.100.0", 24],
  ["203.0.113.0", 24],
  ["224.0.0.0", 4], // multicast
  ["240.0.0.0", 4], // reserved, and broadcast
] as const)
  forbidden.addSubnet(network, prefix, "ipv4");
for (const [network, prefix] of [
  ["::", 128],
  ["::1", 128],
  ["64:ff9b:1::", 48],
  ["100::", 64],
  ["2001:db8::", 32],
  ["fc00::", 7], // unique local, the metadata service's fd00:ec2::254 among them
  ["fe80::", 10],
  ["ff00::", 8],
] as const)
  forbidden.addSubnet(network, prefix, "ipv6");
const loopback = new BlockList();
loopback.addSubnet("127.0.0.0", 8, "ipv4");
loopback.addAddress("::1", "ipv6");

/** An IPv6 address that carries an IPv4 one (mapped `::ffff:a.b.c.d`, NAT64 `64:ff9b::a.b.c.d`): that IPv4 address. */
function embeddedIpv4(address: string): string | undefined {
  const lower = address.toLowerCase();
  const match = /^(?:::ffff:|64:ff9b::)(.+)$/.exec(lower);
  if (!match) return undefined;
  const tail = match[1] as string;
  if (isIP(tail) === 4) return tail;
  const hex = /^([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(tail);
  if (!hex) return undefined;
  const [high, low] = [Number.parseInt(hex[1] as string, 16), Number.parseInt(hex[2] as string, 16)];
  return [high >> 8, high & 255, low >> 8, low & 255].join(".");
}

/**
 * Why a delivery may not connect to `address`, or null when it may: private, loopback, link-local (the
 * metadata service), carrier-grade NAT, documentation, multicast and reserved ranges are refused, IPv4 ones
 * also when written as IPv6. Loopback is allowed only where `allowLoopback` says (the local runtime).
 */
export function refusedAddress(address: string, options: { allowLoopback: boolean }): string | null {
  const family = isIP(address);
  if (family === 0) return `${address} is not an IP address`;
  const v4 = family === 6 ? embeddedIpv4(address) : address;
  const [checked, type] = v4 ? ([v4, "ipv4"] as const) : ([address, "ipv6"] as const);
  if (options.allowLoopback && loopback.check(checked, type)) return null;
  return forbidden.check(checked, type) ? `${address} is a private, loopback, link-local or reserved address` : null;
}

/** Checks a URL's host before it is stored: an IP literal or `localhost` that delivery would refuse is a 422 now. */
function checkTargetUrl(url: string, options: { allowLoopback: boolean }): void {
  const { protocol, hostname } = new URL(url);
  const host = hostname.replace(/^\[|\]$/g, "");
  const literal = isIP(host) !== 0;
  const isLoopbackName = host === "localhost" || host.endsWith(".localhost");
  const refusal = literal
    ? refusedAddress(host, options)
    : isLoopbackName && !options.allowLoopback
      ? `${host} is a loopback name`
      : null;
  if (refusal) throw validationFailed([{ path: "url", message: `deliveries cannot go there: ${refusal}` }]);
  const loopbackTarget = isLoopbackName || (literal && loopback.check(host, isIP(host) === 6 ? "ipv6" : "ipv4"));
  if (protocol !== "https:" && !(options.allowLoopback && loopbackTarget))
    throw validationFailed([{ path: "url", message: "must be an https:// URL" }]);
}

// --- Management ---------------------------------------------------------------------------------------

interface ManagementPorts {
  store: WebhookStorePort;
  newId: () => string;
  now: () => Date;
  allowLoopback: boolean;
}

/** A Standard Webhooks secret: `whsec_` and 24 random bytes in base64 (the spec asks for 24 to 64). */
const newSecret = () => `whsec_${randomBytes(24).toString("base64")}`;

export const summaryOf = ({ secrets: _secrets, filter, ...rest }: StoredWebhook): WebhookSummary => ({
  ...rest,
  filter: filter === null ? null : (JSON.parse(filter) as Record<string, unknown>),
});

export async function createWebhook(input: WebhookCreateInput, ports: ManagementPorts) {
  checkTargetUrl(input.url, ports);
  const createdAt = ports.now().toISOString();
  const secret = newSecret();
  const stored: StoredWebhook = {
    id: ports.newId(),
    url: input.url,
    events: input.events,
    filter: input.filter ? JSON.stringify(input.filter) : null,
    description: input.description ?? null,
    status: "enabled",
    disabledReason: null,
    disabledAt: null,
    createdAt,
    lastSuccessAt: null,
    secrets: [{ value: secret, createdAt, expiresAt: null }],
  };
  await ports.store.create(stored);
  return { ...summaryOf(stored), secret };
}

export async function findWebhook(id: string, store: WebhookStorePort): Promise<StoredWebhook> {
  const webhook = await store.get(id);
  if (!webhook) throw notFound(`no webhook ${id}`);
  return webhook;
}

export async function deleteWebhook(id: string, store: WebhookStorePort) {
  if (!(await store.delete(id))) throw notFound(`no webhook ${id}; it may have been deleted already`);
  return { id, status: "deleted" as const };
}

/** Secrets that still sign at `now`. */
const signingSecrets = (secrets: readonly WebhookSecret[], now: Date) =>
  secrets.filter((secret) => secret.expiresAt === null || Date.parse(secret.expiresAt) > now.getTime());

/** A new secret signs from now on; the current one keeps signing for the overlap, older ones stop at once. */
export async function rotateSecret(id: string, ports: Pick<ManagementPorts, "store" | "now">) {
  const webhook = await findWebhook(id, ports.store);
  const now = ports.now();
  const previousSecretExpiresAt = new Date(now.getTime() + SECRET_OVERLAP_HOURS * 3_600_000).toISOString();
  const current = signingSecrets(webhook.secrets, now).filter((secret) => secret.expiresAt === null);
  const secret = newSecret();
  const secrets = [
    { value: secret, createdAt: now.toISOString(), expiresAt: null },
    ...current.map((old) => ({ ...old, expiresAt: previousSecretExpiresAt })),
  ];
  if (!(await ports.store.replaceSecrets(id, secrets))) throw notFound(`no webhook ${id}`);
  return { id, secret, previousSecretExpiresAt };
}

/** Enables a disabled endpoint again; an enabled one is answered as it is. */
export async function enableWebhook(id: string, store: WebhookStorePort) {
  const webhook = await findWebhook(id, store);
  if (webhook.status === "enabled") return summaryOf(webhook);
  if (!(await store.enable(id))) throw notFound(`no webhook ${id}`);
  return summaryOf({ ...webhook, status: "enabled", disabledReason: null, disabledAt: null });
}

/** The ping, queued like any delivery, to this endpoint only. */
export async function queuePing(
  id: string,
  ports: Pick<ManagementPorts, "store" | "now" | "newId"> & { queue: DeliveryQueuePort },
) {
  const webhook = await findWebhook(id, ports.store);
  if (webhook.status === "disabled")
    throw new ClientError("conflict", `webhook ${id} is disabled: ${webhook.disabledReason ?? "after failures"}`);
  const now = ports.now().toISOString();
  const message: DeliveryMessage = {
    webhookId: id,
    messageId: `msg_${ports.newId()}`,
    type: WEBHOOK_PING_TYPE,
    timestamp: now,
    data: { webhookId: id, message: "a test delivery from cxloop" },
    attempt: 1,
    createdAt: now,
  };
  await ports.queue.enqueue([{ message, delaySeconds: 0 }]);
  return { id, messageId: message.messageId, status: "queued" as const };
}

// --- Fan-out ---------------------------------------------------------------------------------------

/** An event as an EventBridge rule hands it to its queue. */
export interface BusEvent {
  id: string;
  "detail-type": string;
  time: string;
  detail: unknown;
  [field: string]: unknown;
}

/** Stable per event and endpoint, so the retries of one delivery (and a repeated fan-out) share their `webhook-id`. */
export const messageIdFor = (eventKey: string, webhookId: string) =>
  `msg_${createHash("sha256").update(`${eventKey}:${webhookId}`).digest("base64url").slice(0, 32)}`;

/**
 * What makes two events one for a receiver. Enrichment publishes `Response Recorded` again when a message is
 * redelivered (it keeps no published mark), as a new EventBridge event: keyed by the response and its
 * revision, the copies share one `webhook-id`, which receivers dedupe on. Other events by their EventBridge id.
 */
export function eventKeyOf(event: BusEvent): string {
  if (event["detail-type"] !== DetailType.ResponseRecorded) return event.id;
  const { id, revision } = event.detail as { id: string; revision?: number };
  return `response:${id}:${revision ?? 0}`;
}

const dataSchemas = new Map(WEBHOOK_PAYLOADS.map((payload) => [payload.type, payload.data]));

/**
 * One delivery per enabled endpoint that subscribed to the event's type and whose filter matches the
 * whole event. `data` is read through the type's schema, so it holds what the contract says and no more.
 */
export function deliveriesFor(event: BusEvent, endpoints: readonly StoredWebhook[], now: Date): DeliveryMessage[] {
  const type = event["detail-type"];
  const schema = dataSchemas.get(type);
  if (!schema || type === WEBHOOK_PING_TYPE) return [];
  const subscribed = endpoints.filter(
    (endpoint) =>
      endpoint.status === "enabled" &&
      (endpoint.events as string[]).includes(type) &&
      (endpoint.filter === null || matchesEventPattern(JSON.parse(endpoint.filter), event)),
  );
  if (subscribed.length === 0) return [];
  const data = schema.parse(event.detail);
  return subscribed.map((endpoint) => ({
    webhookId: endpoint.id,
    messageId: messageIdFor(eventKeyOf(event), endpoint.id),
    type,
    timestamp: event.time,
    data,
    attempt: 1,
    createdAt: now.toISOString(),
  }));
}

// --- Delivery ----------------------------------------------------------------------------------------

/** SQS delays a message at most 15 minutes; longer waits are made of hops. */
export const MAX_DELAY_SECONDS = 900;

/**
 * The Standard Webhooks headers. Every secret still signing contributes a signature, space-separated as the
 * spec allows, so receivers verify with either the old or the new secret while a rotation overlaps.
 */
export function signedHeaders(
  message: Pick<DeliveryMessage, "messageId">,
  body: string,
  secrets: readonly WebhookSecret[],
  at: Date,
): Record<string, string> {
  const signatures = signingSecrets(secrets, at).map((secret) =>
    new Webhook(secret.value).sign(message.messageId, at, body),
  );
  return {
    "content-type": "application/json",
    "user-agent": "cxloop-webhooks/1",
    "webhook-id": message.messageId,
    "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
    "webhook-signature": signatures.join(" "),
  };
}

export const bodyOf = (message: DeliveryMessage) =>
  JSON.stringify({ type: message.type, timestamp: message.timestamp, data: message.data });

export interface DeliveryAttemptPorts {
  store: WebhookStorePort;
  log: DeliveryLogPort;
  queue: DeliveryQueuePort;
  poster: WebhookPoster;
  /** Seconds to wait after the attempt that failed, by attempt (the first failure waits `[0]`); then the DLQ. */
  retrySchedule: readonly number[];
  now: () => Date;
  /** Tells the admin contacts an endpoint was disabled; sends only what is still missing when called again. */
  alertDisabled: (webhook: StoredWebhook, disabledAt: string) => Promise<void>;
}

export type AttemptResult = "delivered" | "retrying" | "failed" | "waiting" | "dropped";

const isSuccess = (outcome: PostOutcome): boolean =>
  "status" in outcome && outcome.status >= 200 && outcome.status < 300;

/**
 * One attempt of one delivery. A failure re-queues the delivery with the next backoff (a new message with
 * the attempt count; this one is then done), so a day of retries needs no long visibility timeouts; after
 * the last, it goes to the dead-letter queue. If every attempt failed and the endpoint has not answered a
 * 2xx since the delivery began, the endpoint is disabled and the admin contacts are told.
 */
export async function attemptDelivery(message: DeliveryMessage, ports: DeliveryAttemptPorts): Promise<AttemptResult> {
  const now = ports.now();
  if (message.notBefore && Date.parse(message.notBefore) > now.getTime()) {
    const wait = Math.ceil((Date.parse(message.notBefore) - now.getTime()) / 1000);
    await ports.queue.enqueue([{ message, delaySeconds: Math.min(MAX_DELAY_SECONDS, wait) }]);
    return "waiting";
  }
  const webhook = await ports.store.get(message.webhookId);
  if (!webhook) return "dropped";
  const logged = (fields: Pick<Delivery, "status" | "responseStatus" | "latencyMs" | "lastError" | "nextAttemptAt">) =>
    ports.log.record(webhook.id, {
      id: message.messageId,
      type: message.type,
      attempts: message.attempt,
      createdAt: message.createdAt,
      lastAttemptAt: now.toISOString(),
      ...fields,
    });
  if (webhook.status === "disabled") {
    await ports.alertDisabled(webhook, webhook.disabledAt ?? now.toISOString());
    await logged({
      status: "failed",
      responseStatus: null,
      latencyMs: null,
      lastError: "not sent: the endpoint is disabled",
      nextAttemptAt: null,
    });
    return "dropped";
  }

  const body = bodyOf(message);
  const outcome = await ports.poster.post(webhook.url, signedHeaders(message, body, webhook.secrets, now), body);
  const answer =
    "status" in outcome
      ? {
          responseStatus: outcome.status,
          lastError: isSuccess(outcome) ? null : `answered HTTP ${outcome.status}`,
          latencyMs: Math.round(outcome.latencyMs),
        }
      : { responseStatus: null, lastError: outcome.error, latencyMs: Math.round(outcome.latencyMs) };
  if (isSuccess(outcome)) {
    await ports.store.recordSuccess(webhook.id, now);
    await logged({ status: "delivered", ...answer, nextAttemptAt: null });
    return "delivered";
  }

  const wait = ports.retrySchedule[message.attempt - 1];
  if (wait !== undefined) {
    const nextAttemptAt = new Date(now.getTime() + wait * 1000).toISOString();
    await ports.queue.enqueue([
      {
        message: { ...message, attempt: message.attempt + 1, notBefore: nextAttemptAt },
        delaySeconds: Math.min(MAX_DELAY_SECONDS, wait),
      },
    ]);
    await logged({ status: "retrying", ...answer, nextAttemptAt });
    return "retrying";
  }
  await ports.queue.deadLetter(message);
  await logged({ status: "failed", ...answer, nextAttemptAt: null });
  const silentSince = webhook.lastSuccessAt === null || webhook.lastSuccessAt < message.createdAt;
  if (silentSince) {
    const reason = `every attempt of delivery ${message.messageId} failed (last: ${answer.lastError}), with no successful delivery since ${message.createdAt}`;
    const disabledAt = await ports.store.disable(webhook.id, now, reason);
    if (disabledAt) await ports.alertDisabled({ ...webhook, status: "disabled", disabledReason: reason }, disabledAt);
  }
  return "failed";
}

// --- The alert when an endpoint is disabled -------------------------------------------------------------

export interface DisabledAlertPorts extends Pick<DeliveryPorts, "deliveries" | "slack" | "email" | "now"> {
  contacts: readonly Contact[];
}

/** Slack and email to every admin (escalation) contact, once per contact, channel and disabling. */
export async function sendDisabledAlert(
  webhook: StoredWebhook,
  disabledAt: string,
  ports: DisabledAlertPorts,
): Promise<string[]> {
  const what = `Webhook ${webhook.id} (${webhook.description ?? webhook.url}) was disabled`;
  const why = webhook.disabledReason ?? "after sustained failure";
  const fix = "Check the receiver, then delete the endpoint and create it again (POST /v1/webhooks).";
  const slack: SlackMessage = {
    text: `${what}: ${why}`,
    blocks: [
      {
        type: "section",
        text: { type: "mrkdwn", text: `*${escapeSlack(what)}*\n${escapeSlack(why)}\n${escapeSlack(fix)}` },
      },
    ],
  };
  const email: EmailMessage = {
    subject: `cxloop: webhook ${webhook.id} disabled`,
    text: `${what}.\n\n${why}\n\n${fix}\n`,
    html: `<p><strong>${escapeHtml(what)}.</strong></p><p>${escapeHtml(why)}</p><p>${escapeHtml(fix)}</p>`,
  };
  const channels: Channel[] = ports.contacts.flatMap((contact) => [
    ...(contact.slack
      ? [
          {
            name: `slack:${contact.name}`,
            delivery: `${disabledAt}#slack#${contact.slack}`,
            send: () => ports.slack.send(contact.slack as string, slack),
          },
        ]
      : []),
    ...(contact.email && ports.email
      ? [
          {
            name: `email:${contact.name}`,
            delivery: `${disabledAt}#email#${contact.email}`,
            send: async () => {
              await ports.email?.send(contact.email as string, email);
              return true;
            },
          },
        ]
      : []),
  ]);
  return deliverOnce(`WEBHOOK-${webhook.id}`, channels, ports);
}
