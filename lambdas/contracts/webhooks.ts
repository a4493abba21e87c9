import * as z from "zod";
import { InvalidEventPatternError, parseEventPattern } from "../core/event-pattern";
import {
  actionPlanOffTrackDetailSchema,
  caseEventDetailSchema,
  customerAtRiskDetailSchema,
  DetailType,
  metricsComputedDetailSchema,
  responseRecordedDetailSchema,
} from "./events";
import type { RouteSpec } from "./routes";

/** Endpoint ids are ULIDs, like managed keys'. */
export const webhookIdSchema = z
  .string()
  .regex(/^[0-9A-HJKMNP-TV-Z]{26}$/, "must be a webhook id as POST /v1/webhooks returned it");

/** The event types an endpoint may subscribe to: every detail type cxloop publishes. */
export const webhookEventTypes = Object.values(DetailType) as [DetailType, ...DetailType[]];

/** The type of the ping `POST /v1/webhooks/{id}/test` sends; never published on the bus. */
export const WEBHOOK_PING_TYPE = "Webhook Ping";

/** How long the previous secret still signs after a rotation, so receivers can switch without losing a delivery. */
export const SECRET_OVERLAP_HOURS = 24;

const MAX_FILTER_BYTES = 4096;

/** An EventBridge pattern over the whole event (`{"detail": {"category": ["detractor"]}}`), checked as PutRule would. */
const filterSchema = z
  .record(z.string(), z.unknown())
  .superRefine((pattern, ctx) => {
    if (JSON.stringify(pattern).length > MAX_FILTER_BYTES) {
      ctx.addIssue({ code: "custom", message: `at most ${MAX_FILTER_BYTES} bytes of JSON` });
      return;
    }
    try {
      parseEventPattern(pattern);
    } catch (error) {
      if (!(error instanceof InvalidEventPatternError)) throw error;
      ctx.addIssue({ code: "custom", message: error.message });
    }
  })
  .describe("an EventBridge event pattern matched against the whole event (source, detail-type, detail)");

export const webhookCreateSchema = z
  .strictObject({
    url: z
      .url({ protocol: /^https?$/, error: "must be an https:// URL" })
      .max(2048)
      .describe("https; http only to loopback on the local runtime"),
    events: z
      .array(z.enum(webhookEventTypes))
      .min(1)
      .max(webhookEventTypes.length)
      .refine((list) => new Set(list).size === list.length, "lists an event type twice"),
    filter: filterSchema.optional(),
    description: z.string().max(200).optional(),
  })
  .meta({ id: "WebhookRequest" });
export type WebhookCreateInput = z.infer<typeof webhookCreateSchema>;

export const webhookSchema = z
  .object({
    id: z.string(),
    url: z.string(),
    events: z.array(z.enum(webhookEventTypes)),
    filter: z.record(z.string(), z.unknown()).nullable(),
    description: z.string().nullable(),
    /** `disabled` after sustained failure (every attempt of a delivery failed and nothing succeeded meanwhile). */
    status: z.enum(["enabled", "disabled"]),
    disabledReason: z.string().nullable(),
    disabledAt: z.string().nullable(),
    createdAt: z.string(),
    /** The last 2xx answer the endpoint gave. */
    lastSuccessAt: z.string().nullable(),
  })
  .meta({ id: "Webhook" });
export type WebhookSummary = z.infer<typeof webhookSchema>;

const secretField = z
  .string()
  .describe("`whsec_<base64>`, the Standard Webhooks signing secret; shown once, in this answer");

export const createdWebhookSchema = webhookSchema.extend({ secret: secretField }).meta({ id: "CreatedWebhook" });

export const webhookListSchema = z
  .object({ items: z.array(webhookSchema), nextCursor: z.null() })
  .meta({ id: "WebhookList" });

export const rotatedSecretSchema = z
  .object({
    id: z.string(),
    secret: secretField,
    /** Until then deliveries carry a signature under the previous secret too. */
    previousSecretExpiresAt: z.string(),
  })
  .meta({ id: "RotatedWebhookSecret" });

export const webhookDeletedSchema = z
  .object({ id: z.string(), status: z.literal("deleted") })
  .meta({ id: "WebhookDeleted" });

export const pingQueuedSchema = z
  .object({
    id: z.string(),
    /** The `webhook-id` the ping is delivered with; it shows in the delivery log under this id. */
    messageId: z.string(),
    status: z.literal("queued"),
  })
  .meta({ id: "WebhookPingQueued" });

export const deliveryStatuses = ["retrying", "delivered", "failed"] as const;

export const deliverySchema = z
  .object({
    /** The `webhook-id` header: the same on every attempt of the delivery. */
    id: z.string(),
    type: z.string(),
    /** `retrying`: an attempt failed and another is scheduled; `failed`: every attempt failed (dead-lettered). */
    status: z.enum(deliveryStatuses),
    attempts: z.int(),
    /** The HTTP status of the last attempt; null when no answer came (refused address, timeout, connection error). */
    responseStatus: z.int().nullable(),
    latencyMs: z.int().nullable(),
    lastError: z.string().nullable(),
    createdAt: z.string(),
    lastAttemptAt: z.string(),
    nextAttemptAt: z.string().nullable(),
  })
  .meta({ id: "WebhookDelivery" });
export type Delivery = z.infer<typeof deliverySchema>;

export const deliveryListQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(25),
  cursor: z.string().max(1024).optional(),
});

export const deliveryListSchema = z
  .object({ items: z.array(deliverySchema), nextCursor: z.string().nullable() })
  .meta({ id: "WebhookDeliveryList" });

/** One delivery on the delivery queue: everything an attempt needs, so a retry sends the very same body. */
export const deliveryMessageSchema = z.object({
  webhookId: z.string(),
  messageId: z.string(),
  type: z.string(),
  /** When the event happened: the body's `timestamp`. */
  timestamp: z.string(),
  data: z.unknown(),
  /** 1 for the first attempt. */
  attempt: z.int().min(1),
  createdAt: z.string(),
  /** A backoff longer than SQS's 15-minute delay is waited out in hops: before this, the message is only re-queued. */
  notBefore: z.string().optional(),
});
export type DeliveryMessage = z.infer<typeof deliveryMessageSchema>;

/** The ping's `data`. */
const pingDataSchema = z.object({ webhookId: z.string(), message: z.string() });

const payload = <T extends string, S extends z.ZodType>(type: T, data: S, id: string) =>
  z
    .object({
      type: z.literal(type),
      /** When the event happened (ISO 8601). */
      timestamp: z.iso.datetime({ offset: true }),
      data,
    })
    .meta({ id });

/** Each event type's webhook body, for the OpenAPI document's `webhooks` section. */
export const WEBHOOK_PAYLOADS: readonly { type: string; description: string; schema: z.ZodType; data: z.ZodType }[] = [
  {
    type: DetailType.ResponseRecorded,
    description: "A response was enriched and stored; `data` is the record (no customer email or name).",
    schema: payload(DetailType.ResponseRecorded, responseRecordedDetailSchema, "ResponseRecordedWebhook"),
    data: responseRecordedDetailSchema,
  },
  ...(
    [
      [DetailType.CaseOpened, "A follow-up case was opened", "CaseOpenedWebhook"],
      [DetailType.CaseUpdated, "A case changed (status, owner, note, root cause)", "CaseUpdatedWebhook"],
      [DetailType.CaseOverdue, "A case passed its SLA", "CaseOverdueWebhook"],
      [DetailType.CaseEscalated, "An overdue case reached the next escalation level", "CaseEscalatedWebhook"],
      [DetailType.CaseClosed, "A case was resolved or closed without contact", "CaseClosedWebhook"],
    ] as const
  ).map(([type, description, id]) => ({
    type,
    description: `${description}; \`data\` is the case as it is after the change.`,
    schema: payload(type, caseEventDetailSchema, id),
    data: caseEventDetailSchema,
  })),
  {
    type: DetailType.CustomerAtRisk,
    description: "A customer's churn risk crossed the stage's threshold.",
    schema: payload(DetailType.CustomerAtRisk, customerAtRiskDetailSchema, "CustomerAtRiskWebhook"),
    data: customerAtRiskDetailSchema,
  },
  {
    type: DetailType.MetricsComputed,
    description: "The weekly figures the digest sends.",
    schema: payload(DetailType.MetricsComputed, metricsComputedDetailSchema, "MetricsComputedWebhook"),
    data: metricsComputedDetailSchema,
  },
  {
    type: DetailType.ActionPlanOffTrack,
    description: "An active action plan past half its time has not moved its metric toward the target.",
    schema: payload(DetailType.ActionPlanOffTrack, actionPlanOffTrackDetailSchema, "ActionPlanOffTrackWebhook"),
    data: actionPlanOffTrackDetailSchema,
  },
  {
    type: WEBHOOK_PING_TYPE,
    description: "Sent by `POST /v1/webhooks/{id}/test`, to the one endpoint, whatever its event types.",
    schema: payload(WEBHOOK_PING_TYPE, pingDataSchema, "WebhookPing"),
    data: pingDataSchema,
  },
];

const webhookById = z.object({ id: webhookIdSchema });
const notFoundOrBadId = { 404: "no such webhook (or deleted already)", 422: "bad id" };

/** The management routes, spread into the route registry (`ROUTES`). */
export const WEBHOOK_ROUTES = {
  createWebhook: {
    key: "POST /v1/webhooks",
    handler: "webhooks-api",
    tag: "webhooks",
    summary: "Create a webhook endpoint",
    description:
      "Deliveries follow the Standard Webhooks specification: `webhook-id`, `webhook-timestamp` and `webhook-signature` headers, the body `{type, timestamp, data}` (see the document's `webhooks`), at least once with backoff for about a day. The signing secret is in the answer once. Targets on private, loopback, link-local or metadata addresses are refused.",
    scope: "admin",
    body: { schema: webhookCreateSchema, maxBytes: 8 * 1024 },
    responses: { 201: { description: "the endpoint and its secret, shown this once", schema: createdWebhookSchema } },
    errors: {
      400: "body is not JSON",
      413: "body over 8 KB",
      422: "a bad url, events or filter (the pattern's problem is named)",
    },
  },
  listWebhooks: {
    key: "GET /v1/webhooks",
    handler: "webhooks-api",
    tag: "webhooks",
    summary: "List webhook endpoints",
    description: "Oldest first; never a secret.",
    scope: "admin",
    responses: { 200: { description: "every endpoint", schema: webhookListSchema } },
    errors: {},
  },
  getWebhook: {
    key: "GET /v1/webhooks/{id}",
    handler: "webhooks-api",
    tag: "webhooks",
    summary: "One webhook endpoint",
    scope: "admin",
    path: webhookById,
    responses: { 200: { description: "the endpoint", schema: webhookSchema } },
    errors: notFoundOrBadId,
  },
  deleteWebhook: {
    key: "DELETE /v1/webhooks/{id}",
    handler: "webhooks-api",
    tag: "webhooks",
    summary: "Delete a webhook endpoint",
    description: "Deliveries still queued for it are dropped; its delivery log expires after 30 days.",
    scope: "admin",
    path: webhookById,
    responses: { 200: { description: "deleted", schema: webhookDeletedSchema } },
    errors: notFoundOrBadId,
  },
  rotateWebhookSecret: {
    key: "POST /v1/webhooks/{id}/rotate-secret",
    handler: "webhooks-api",
    tag: "webhooks",
    summary: "Rotate the signing secret",
    description: `The new secret is in the answer once. For ${SECRET_OVERLAP_HOURS} hours deliveries carry two signatures (new and previous secret) in \`webhook-signature\`, so a receiver can switch without failing one.`,
    scope: "admin",
    path: webhookById,
    responses: { 200: { description: "the new secret, shown this once", schema: rotatedSecretSchema } },
    errors: notFoundOrBadId,
  },
  enableWebhook: {
    key: "POST /v1/webhooks/{id}/enable",
    handler: "webhooks-api",
    tag: "webhooks",
    summary: "Enable a disabled endpoint again",
    description:
      "After fixing the receiver: deliveries of the events from now on go to it again (what was not sent while it was disabled is in the delivery log, not replayed). Send a test ping to check it first. Enabling an enabled endpoint changes nothing.",
    scope: "admin",
    path: webhookById,
    responses: { 200: { description: "the endpoint, enabled", schema: webhookSchema } },
    errors: notFoundOrBadId,
  },
  testWebhook: {
    key: "POST /v1/webhooks/{id}/test",
    handler: "webhooks-api",
    tag: "webhooks",
    summary: "Send a test ping",
    description: `Queues a \`${WEBHOOK_PING_TYPE}\` delivery to this endpoint, signed and retried like any other; it shows in the delivery log.`,
    scope: "admin",
    path: webhookById,
    responses: { 202: { description: "queued", schema: pingQueuedSchema } },
    errors: { ...notFoundOrBadId, 409: "the endpoint is disabled (enable it first)" },
  },
  listWebhookDeliveries: {
    key: "GET /v1/webhooks/{id}/deliveries",
    handler: "webhooks-api",
    tag: "webhooks",
    summary: "The endpoint's delivery log",
    description:
      "Newest first, one entry per delivery: its status, attempts so far, the last answer's status and latency, the last error, the next attempt.",
    scope: "admin",
    path: webhookById,
    query: deliveryListQuerySchema,
    responses: { 200: { description: "a page", schema: deliveryListSchema } },
    errors: { ...notFoundOrBadId, 422: "bad id, limit or cursor" },
  },
} as const satisfies Record<string, RouteSpec>;
