import * as z from "zod";
import { ACTION_PLAN_ROUTES } from "./action-plans";
import type { Scope } from "./auth";
import { meSchema } from "./auth";
import { caseListSchema, casePatchSchema, caseSchema, caseStatsSchema, listCasesQuerySchema } from "./cases";
import { eligibilityQuerySchema, eligibilitySchema } from "./collect";
import { MERGE_ROUTES } from "./customer-merge";
import {
  customerBatchResultSchema,
  customerBatchSchema,
  customerProfileInputSchema,
  customerProfileSchema,
  customerSearchQuerySchema,
  customerSearchSchema,
  customerViewSchema,
  erasureSchema,
  operationalEventInputSchema,
  operationalEventSchema,
  revenueAtRiskSchema,
} from "./customers";
import { ENPS_ROUTES } from "./enps";
import { EXPORT_ROUTES } from "./exports";
import { caseIdSchema, customerIdSchema, responseIdSchema } from "./ids";
import { delightedEventSchema, formbricksEventSchema, hookResultSchema, MAX_HOOK_BYTES } from "./inbound-hooks";
import { createdKeySchema, keyCreateSchema, keyIdSchema, keyListSchema, keyRevokedSchema } from "./keys";
import { KPI_ROUTES } from "./kpis";
import {
  driversQuerySchema,
  driversSchema,
  MAX_RECOMPUTE_DAYS,
  metricsQuerySchema,
  metricsSchema,
  recomputeRequestSchema,
  recomputeResultSchema,
} from "./metrics";
import { listResponsesQuerySchema } from "./queries";
import { responseListSchema, responseRecordSchema } from "./record";
import { ruleByName, ruleListSchema, ruleTestRequestSchema, ruleTestResultSchema } from "./rules";
import {
  acceptedSchema,
  batchResultSchema,
  batchSubmissionSchema,
  MAX_BATCH_BYTES,
  MAX_BATCH_ITEMS,
  MAX_SUBMISSION_BYTES,
  submissionSchema,
} from "./submission";
import {
  htmlPageSchema,
  MAX_LINK_DAYS,
  surveyLinkRequestSchema,
  surveyLinkSchema,
  surveyPageFormSchema,
  surveyPagePathSchema,
  surveyPageQuerySchema,
} from "./survey-links";
import { WEBHOOK_ROUTES } from "./webhooks";

/** Lambda handlers by name; each lives in `lambdas/handlers/<name>.ts`. */
export const HANDLERS = [
  "intake",
  "enrich",
  "responses-api",
  "follow-up",
  "notify",
  "sla-sweeper",
  "cases-api",
  "customers-api",
  "comment-retention",
  "metrics-api",
  "metrics-rollup",
  "digest",
  "keys-api",
  "hooks",
  "webhooks-api",
  "webhook-fanout",
  "webhook-delivery",
  "exports-api",
  "export",
  "action-plans-api",
  "action-plan-review",
] as const;
export type HandlerName = (typeof HANDLERS)[number];

type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/**
 * One route of the public API, everything about it in one place: the stack creates the route and
 * its integration from it, the handler checks the scope and parses the request with its schemas
 * before the use case runs, and the OpenAPI document is generated from it.
 */
export interface RouteSpec {
  key: `${Method} /${string}`;
  /** The function that serves it. */
  handler: HandlerName;
  summary: string;
  description?: string;
  tag: string;
  /** `public` needs no key (the OpenAPI document). */
  scope: Scope | "public";
  path?: z.ZodObject;
  query?: z.ZodType;
  /**
   * `checkedBy: "use case"`: the body is passed on as parsed JSON and the use case checks it, for
   * cross-field rules or item by item (a batch answers per item). Otherwise the entry point checks
   * that it can be stored (`storableProblems`) and parses it with `schema`.
   */
  body?: {
    schema: z.ZodType;
    maxBytes: number;
    checkedBy?: "use case";
    /**
     * `form`: `application/x-www-form-urlencoded`, as a page's `<form method="post">` sends it. `raw`: the text as
     * sent, for the use case to verify a signature over before it parses (`schema` documents what it then expects).
     */
    format?: "form" | "raw";
  };
  headers?: readonly { name: string; description: string }[];
  /** Answers by status: JSON, or (`html`) pages for people; a page route answers its refusals with pages too. */
  responses: Readonly<Record<number, { description: string; schema: z.ZodType; html?: true }>>;
  /** Client errors this route can answer besides the auth ones, by status. */
  errors: Readonly<Record<number, string>>;
}

const byId = z.object({ id: responseIdSchema });
const caseById = z.object({ id: caseIdSchema });
const customerById = z.object({ id: customerIdSchema });
const keyById = z.object({ id: keyIdSchema });
const openApiDocumentSchema = z
  .looseObject({ openapi: z.string(), info: z.looseObject({ title: z.string(), version: z.string() }) })
  .meta({ id: "OpenApiDocument" });

/** Every route of the public API, by operationId. */
export const ROUTES = {
  submitResponse: {
    key: "POST /v1/responses",
    handler: "intake",
    tag: "responses",
    summary: "Submit one response",
    description:
      "Validates and queues one NPS, CSAT, CES answer, comment or review. The same `id` (or `Idempotency-Key`) again gets the same answer and stores nothing twice.",
    scope: "submit",
    body: { schema: submissionSchema, maxBytes: MAX_SUBMISSION_BYTES, checkedBy: "use case" },
    headers: [{ name: "Idempotency-Key", description: "the response's id, if the body carries none" }],
    responses: { 202: { description: "accepted; it is stored within seconds", schema: acceptedSchema } },
    errors: {
      400: "body is not JSON",
      413: `body over ${MAX_SUBMISSION_BYTES / 1024} KB`,
      422: "a field breaks the contract; details name it",
      503: "queue unavailable; retry with the same id",
    },
  },
  submitResponses: {
    key: "POST /v1/responses/batch",
    handler: "intake",
    tag: "responses",
    summary: `Submit up to ${MAX_BATCH_ITEMS} responses`,
    description: "Each item is checked and queued on its own: the answer has one result per item, in order.",
    scope: "submit",
    body: { schema: batchSubmissionSchema, maxBytes: MAX_BATCH_BYTES, checkedBy: "use case" },
    responses: { 200: { description: "per-item results", schema: batchResultSchema } },
    errors: { 400: "body is not JSON", 413: "body over 1 MB", 422: "bad envelope" },
  },
  createSurveyLink: {
    key: "POST /v1/survey-links",
    handler: "intake",
    tag: "survey links",
    summary: "A personal survey link for one customer",
    description: `The link answers one survey once, as one response (\`responseId\`), and expires after \`expiresInDays\` (at most ${MAX_LINK_DAYS}). Put \`url?score=N\` behind each score of an email for a one-click survey. A customer inside the survey's \`throttleDays\` is refused (429 \`survey_throttled\`).`,
    scope: "agent",
    body: { schema: surveyLinkRequestSchema, maxBytes: 8 * 1024 },
    responses: { 201: { description: "the link", schema: surveyLinkSchema } },
    errors: {
      400: "body is not JSON",
      413: "body over 8 KB",
      422: "a field breaks the contract, or the scale does not fit the type",
      429: "the customer answered this survey within its throttleDays",
      503: "the stage has no identity secret to sign links with",
    },
  },
  getSurveyPage: {
    key: "GET /s/{token}",
    handler: "intake",
    tag: "survey links",
    summary: "The hosted survey page of a link",
    description:
      "With `?score=N` it records the score at once (the one-click email survey) and asks for a comment; without, it asks the question. A link answers one response: a used, expired or forged link gets a page saying so.",
    scope: "public",
    path: surveyPagePathSchema,
    query: surveyPageQuerySchema,
    responses: {
      200: { description: "the question, or the comment step after a score", schema: htmlPageSchema, html: true },
      403: { description: "not a link this stage signed", schema: htmlPageSchema, html: true },
      409: { description: "the link was used for another answer", schema: htmlPageSchema, html: true },
      410: { description: "the link has expired", schema: htmlPageSchema, html: true },
      422: { description: "a score not on the survey's scale", schema: htmlPageSchema, html: true },
      503: { description: "the answer could not be queued; try again", schema: htmlPageSchema, html: true },
    },
    errors: {},
  },
  answerSurveyPage: {
    key: "POST /s/{token}",
    handler: "intake",
    tag: "survey links",
    summary: "The hosted page's form: the comment after a score, or score and comment",
    description: "Updates the link's one response with the comment; the same form again changes nothing.",
    scope: "public",
    path: surveyPagePathSchema,
    body: { schema: surveyPageFormSchema, maxBytes: 32 * 1024, format: "form" },
    responses: {
      200: {
        description: "thanks, or the question again when no score was chosen",
        schema: htmlPageSchema,
        html: true,
      },
      403: { description: "not a link this stage signed", schema: htmlPageSchema, html: true },
      409: { description: "the link was used for another answer", schema: htmlPageSchema, html: true },
      410: { description: "the link has expired", schema: htmlPageSchema, html: true },
      422: { description: "no score, or a comment the contract refuses", schema: htmlPageSchema, html: true },
      503: { description: "the answer could not be queued; try again", schema: htmlPageSchema, html: true },
    },
    errors: {},
  },
  receiveDelightedHook: {
    key: "POST /v1/hooks/delighted",
    handler: "hooks",
    tag: "integrations",
    summary: "Delighted's webhook: survey responses created and updated",
    description:
      "Point Delighted's webhooks (survey_response.created and .updated) here. The event is verified against the raw body with the stage's Delighted API key and stored as `delighted-<id>`, the id an import gives it too; an update (the comment usually comes in one) replaces the stored response, the newest `updated_at` winning.",
    scope: "public",
    body: { schema: delightedEventSchema, maxBytes: MAX_HOOK_BYTES, format: "raw" },
    headers: [
      {
        name: "X-Delighted-Webhook-Signature",
        description: "`sha256=` and the hex HMAC-SHA256 of the raw body with the Delighted API key",
      },
    ],
    responses: { 200: { description: "queued, or acknowledged and ignored", schema: hookResultSchema } },
    errors: {
      400: "body is not JSON",
      401: "the signature is missing or wrong, or the stage has no Delighted API key",
      413: `body over ${MAX_HOOK_BYTES / 1024} KB`,
      422: "the event's response cannot be stored; details name the field",
      503: "queue unavailable; Delighted sends the event again",
    },
  },
  receiveFormbricksHook: {
    key: "POST /v1/hooks/formbricks",
    handler: "hooks",
    tag: "integrations",
    summary: "Formbricks' webhook: responses created, updated and finished",
    description:
      "Point a Formbricks webhook here. It is verified with Standard Webhooks (the webhook's `whsec_` secret) and its mapped questions (`integrations.formbricksSurveys` in the stage config) are stored as `formbricks-<id>` (suffixed by the question id when several are scored), the ids an import of the Management API's JSON gives; a later update replaces them. A survey not in the mapping is acknowledged and ignored.",
    scope: "public",
    body: { schema: formbricksEventSchema, maxBytes: MAX_HOOK_BYTES, format: "raw" },
    headers: [
      { name: "webhook-id", description: "Standard Webhooks: the message id" },
      { name: "webhook-timestamp", description: "Standard Webhooks: Unix seconds; five minutes off is refused" },
      { name: "webhook-signature", description: "Standard Webhooks: `v1,<base64 HMAC-SHA256>`" },
    ],
    responses: { 200: { description: "queued, or acknowledged and ignored", schema: hookResultSchema } },
    errors: {
      400: "body is not JSON",
      401: "the signature does not verify, or the stage has no Formbricks webhook secret",
      413: `body over ${MAX_HOOK_BYTES / 1024} KB`,
      422: "the event's response cannot be stored; details name the field",
      503: "queue unavailable; Formbricks sends the event again",
    },
  },
  getSurveyEligibility: {
    key: "GET /v1/survey-eligibility",
    handler: "intake",
    tag: "responses",
    summary: "May this customer be asked this survey now?",
    description:
      "False within the survey's `throttleDays` of the customer's last answer (the widget then stays hidden); a submit-key response in that window is a 429 `survey_throttled`.",
    scope: "submit",
    query: eligibilityQuerySchema,
    responses: { 200: { description: "the answer", schema: eligibilitySchema } },
    errors: { 403: "the stage requires a signed customer id, and the signature is missing or wrong", 422: "bad query" },
  },
  getResponse: {
    key: "GET /v1/responses/{id}",
    handler: "responses-api",
    tag: "responses",
    summary: "One enriched response",
    scope: "read",
    path: byId,
    responses: { 200: { description: "the record", schema: responseRecordSchema } },
    errors: { 404: "no such response (yet: it may still be in the queue)", 422: "bad id" },
  },
  listResponses: {
    key: "GET /v1/responses",
    handler: "responses-api",
    tag: "responses",
    summary: "List enriched responses, newest first",
    scope: "read",
    query: listResponsesQuerySchema,
    responses: { 200: { description: "a page", schema: responseListSchema } },
    errors: { 422: "bad query; details name the parameter" },
  },
  getOpenApi: {
    key: "GET /v1/openapi.json",
    handler: "responses-api",
    tag: "meta",
    summary: "This document",
    scope: "public",
    responses: { 200: { description: "OpenAPI 3.1", schema: openApiDocumentSchema } },
    errors: {},
  },
  getMe: {
    key: "GET /v1/me",
    handler: "responses-api",
    tag: "meta",
    summary: "Who is calling",
    description:
      "The key's name or the signed-in person, the scopes they hold and a person's role: what the console may show.",
    scope: "read",
    responses: { 200: { description: "the caller", schema: meSchema } },
    errors: {},
  },
  listCases: {
    key: "GET /v1/cases",
    handler: "cases-api",
    tag: "cases",
    summary: "List follow-up cases, soonest due first",
    scope: "read",
    query: listCasesQuerySchema,
    responses: { 200: { description: "a page", schema: caseListSchema } },
    errors: { 422: "bad query; details name the parameter" },
  },
  getCaseStats: {
    key: "GET /v1/cases/stats",
    handler: "cases-api",
    tag: "cases",
    summary: "Loop health",
    description: "Time to first contact, share closed within SLA, open and overdue cases per owner.",
    scope: "read",
    responses: { 200: { description: "stats", schema: caseStatsSchema } },
    errors: {},
  },
  getCase: {
    key: "GET /v1/cases/{id}",
    handler: "cases-api",
    tag: "cases",
    summary: "One case with its response snapshot and history",
    scope: "read",
    path: caseById,
    responses: { 200: { description: "the case", schema: caseSchema } },
    errors: { 404: "no such case", 422: "bad id" },
  },
  updateCase: {
    key: "PATCH /v1/cases/{id}",
    handler: "cases-api",
    tag: "cases",
    summary: "Work a case",
    description:
      "Change its status (open → contacted → resolved, or closed-no-contact), owner, root cause, or add a note. History records who (the key's name or the signed-in person) and when.",
    scope: "agent",
    path: caseById,
    body: { schema: casePatchSchema, maxBytes: 16 * 1024 },
    headers: [
      {
        name: "If-Match",
        description:
          "the case's `version` as read; if it has changed since, nothing is changed and the answer is 409 version_conflict",
      },
    ],
    responses: { 200: { description: "the updated case", schema: caseSchema } },
    errors: {
      400: "body is not JSON",
      404: "no such case",
      409: "`conflict`: an invalid status move; `version_conflict`: the case changed since it was read",
      413: "body over 16 KB",
      422: "a field breaks the contract",
    },
  },
  putCustomer: {
    key: "PUT /v1/customers/{id}",
    handler: "customers-api",
    tag: "customers",
    summary: "Create or replace a customer profile",
    scope: "admin",
    path: customerById,
    body: { schema: customerProfileInputSchema, maxBytes: 64 * 1024 },
    responses: {
      200: { description: "replaced", schema: customerProfileSchema },
      201: { description: "created", schema: customerProfileSchema },
    },
    errors: {
      400: "body is not JSON",
      409: "the profile was merged into another (`mergedInto`): put that one",
      413: "body over 64 KB",
      422: "a field breaks the contract",
    },
  },
  putCustomers: {
    key: "POST /v1/customers/batch",
    handler: "customers-api",
    tag: "customers",
    summary: "Create or replace up to 100 profiles",
    description: "Each item is checked and stored on its own: the answer has one result per item, in order.",
    scope: "admin",
    body: { schema: customerBatchSchema, maxBytes: 1024 * 1024, checkedBy: "use case" },
    responses: { 200: { description: "per-item results", schema: customerBatchResultSchema } },
    errors: { 400: "body is not JSON", 413: "body over 1 MB", 422: "bad envelope" },
  },
  getCustomer: {
    key: "GET /v1/customers/{id}",
    handler: "customers-api",
    tag: "customers",
    summary: "The 360° view of a customer",
    description:
      "Profile, latest scores and trend, churn risk with reasons, the latest 50 responses and events, and cases.",
    scope: "read",
    path: customerById,
    responses: { 200: { description: "the view", schema: customerViewSchema } },
    errors: { 404: "no such customer", 422: "bad id" },
  },
  searchCustomers: {
    key: "GET /v1/customers",
    handler: "customers-api",
    tag: "customers",
    summary: "Find a customer by id or email",
    scope: "read",
    query: customerSearchQuerySchema,
    responses: { 200: { description: "the profiles found", schema: customerSearchSchema } },
    errors: { 422: "bad query" },
  },
  exportCustomer: {
    key: "GET /v1/customers/{id}/export",
    handler: "customers-api",
    tag: "customers",
    summary: "Export everything held about a customer",
    description: "The 360° view with every response and event (a subject access request), as a JSON attachment.",
    scope: "admin",
    path: customerById,
    responses: { 200: { description: "the export", schema: customerViewSchema } },
    errors: { 404: "no such customer", 422: "bad id" },
  },
  eraseCustomer: {
    key: "DELETE /v1/customers/{id}",
    handler: "customers-api",
    tag: "customers",
    summary: "Erase a customer",
    description:
      "Deletes the profile and events, and moves their responses and cases under a random pseudonym without comment, email, name or note text (scores stay, so metrics stay right). Afterwards the id is unknown everywhere: a second DELETE is a 404.",
    scope: "admin",
    path: customerById,
    responses: { 200: { description: "what was erased", schema: erasureSchema } },
    errors: {
      404: "nothing is held for this id: never known, or already erased",
      422: "bad id",
      503: "not finished in this call; send DELETE again to continue (same pseudonym)",
    },
  },
  recordCustomerEvent: {
    key: "POST /v1/customers/{id}/events",
    handler: "customers-api",
    tag: "customers",
    summary: "Record an operational event",
    description:
      "A purchase, return, renewal, cancellation, support ticket or plan change, once per id (and time); churn risk is recomputed. The category of the customer's latest NPS answer as of `time` and their segment are stamped on it, for `GET /v1/kpis`.",
    scope: "admin",
    path: customerById,
    body: { schema: operationalEventInputSchema, maxBytes: 64 * 1024 },
    responses: {
      200: { description: "already recorded", schema: operationalEventSchema },
      201: { description: "recorded", schema: operationalEventSchema },
    },
    errors: {
      400: "body is not JSON",
      409: "the id was recorded before with another time",
      413: "body over 64 KB",
      422: "a field breaks the contract",
    },
  },
  getRevenueAtRisk: {
    key: "GET /v1/revenue-at-risk",
    handler: "customers-api",
    tag: "customers",
    summary: "Revenue at risk",
    description: "Annual value × churn risk over the customers at or above the threshold, per currency and segment.",
    scope: "read",
    responses: { 200: { description: "totals", schema: revenueAtRiskSchema } },
    errors: {},
  },
  getMetrics: {
    key: "GET /v1/metrics",
    handler: "metrics-api",
    tag: "metrics",
    summary: "NPS, CSAT and CES",
    description: "For a window, grouped and filtered, against the previous window of equal length.",
    scope: "read",
    query: metricsQuerySchema,
    responses: { 200: { description: "metrics", schema: metricsSchema } },
    errors: { 422: "bad query; details name the parameter" },
  },
  getDrivers: {
    key: "GET /v1/drivers",
    handler: "metrics-api",
    tag: "metrics",
    summary: "Key drivers",
    description: "Themes ranked by their impact on NPS (or CSAT), most harmful first.",
    scope: "read",
    query: driversQuerySchema,
    responses: { 200: { description: "drivers", schema: driversSchema } },
    errors: { 422: "bad query; details name the parameter" },
  },
  recomputeMetrics: {
    key: "POST /v1/metrics/recompute",
    handler: "metrics-api",
    tag: "metrics",
    summary: `Roll up to ${MAX_RECOMPUTE_DAYS} days again`,
    description: "From the stored responses, after a metric definition changed; the CLI walks longer ranges.",
    scope: "admin",
    body: { schema: recomputeRequestSchema, maxBytes: 1024 },
    responses: { 200: { description: "days recomputed and the responses they hold", schema: recomputeResultSchema } },
    errors: { 400: "body is not JSON", 413: "body over 1 KB", 422: "bad range" },
  },
  listRules: {
    key: "GET /v1/rules",
    handler: "cases-api",
    tag: "cases",
    summary: "The follow-up rules",
    description:
      "Each rule with the EventBridge pattern it is deployed as; the first that matches a response opens its case.",
    scope: "read",
    responses: { 200: { description: "the rules", schema: ruleListSchema } },
    errors: {},
  },
  testRule: {
    key: "POST /v1/rules/{name}/test",
    handler: "cases-api",
    tag: "cases",
    summary: "Test a follow-up rule against past responses",
    description:
      "How many responses of the window the rule matches and how many cases it would have opened, with examples; nothing is changed.",
    scope: "read",
    path: ruleByName,
    body: { schema: ruleTestRequestSchema, maxBytes: 1024 },
    responses: { 200: { description: "what the rule would have done", schema: ruleTestResultSchema } },
    errors: { 400: "body is not JSON", 404: "no such rule", 422: "bad window" },
  },
  createKey: {
    key: "POST /v1/keys",
    handler: "keys-api",
    tag: "keys",
    summary: "Create an API key",
    description:
      "The key is in the answer once; only a salted hash is stored. A submit-only key is for web pages: it works from its allowed origins (or the stage's) and is rate limited.",
    scope: "admin",
    body: { schema: keyCreateSchema, maxBytes: 4096 },
    responses: { 201: { description: "the new key, shown this once", schema: createdKeySchema } },
    errors: { 400: "body is not JSON", 413: "body over 4 KB", 422: "bad name, scopes or origins" },
  },
  listKeys: {
    key: "GET /v1/keys",
    handler: "keys-api",
    tag: "keys",
    summary: "List API keys",
    description: "The stage's bootstrap keys and the managed ones: names, scopes, origins, last use; never a key.",
    scope: "admin",
    responses: { 200: { description: "every key", schema: keyListSchema } },
    errors: {},
  },
  revokeKey: {
    key: "DELETE /v1/keys/{id}",
    handler: "keys-api",
    tag: "keys",
    summary: "Revoke an API key",
    description: "Refused everywhere within 30 seconds (running functions re-read a key at most that often).",
    scope: "admin",
    path: keyById,
    responses: { 200: { description: "revoked", schema: keyRevokedSchema } },
    errors: { 404: "no such key (or revoked already)", 422: "bad id" },
  },
  ...WEBHOOK_ROUTES,
  ...EXPORT_ROUTES,
  ...ACTION_PLAN_ROUTES,
  ...ENPS_ROUTES,
  ...MERGE_ROUTES,
  ...KPI_ROUTES,
} as const satisfies Record<string, RouteSpec>;

export type OperationId = keyof typeof ROUTES;
export type ApiRoute = (typeof ROUTES)[OperationId]["key"];

/** Route keys by operationId, as they appear in an event's `routeKey`. */
export const ApiRoute = Object.fromEntries(Object.entries(ROUTES).map(([id, route]) => [id, route.key])) as {
  [K in OperationId]: (typeof ROUTES)[K]["key"];
};

/** The operations one function serves. */
export type OperationsOf<H extends HandlerName> = {
  [K in OperationId]: (typeof ROUTES)[K]["handler"] extends H ? K : never;
}[OperationId];

/** Which function serves each route key: the stack integrates them, the local runtime and tests check the wiring. */
export const ROUTE_HANDLERS = Object.fromEntries(Object.values(ROUTES).map((route) => [route.key, route.handler])) as {
  [K in OperationId as (typeof ROUTES)[K]["key"]]: (typeof ROUTES)[K]["handler"];
};
