import * as z from "zod";
import { casePatchSchema, caseSchema, caseStatsSchema, listCasesQuerySchema } from "./cases";
import {
  customerBatchSchema,
  customerProfileInputSchema,
  customerProfileSchema,
  operationalEventInputSchema,
} from "./customers";
import { errorBodySchema } from "./errors";
import {
  driversQuerySchema,
  driversSchema,
  MAX_RECOMPUTE_DAYS,
  metricsQuerySchema,
  metricsSchema,
  recomputeRequestSchema,
} from "./metrics";
import { listResponsesQuerySchema } from "./queries";
import { responseListSchema, responseRecordSchema } from "./record";
import { acceptedSchema, MAX_BATCH_ITEMS, submissionSchema } from "./submission";

/** Public schemas, by the id each declares with `.meta({ id })`; nested ones become `$ref`s. */
const PUBLIC_SCHEMAS = [
  customerProfileInputSchema,
  customerProfileSchema,
  customerBatchSchema,
  operationalEventInputSchema,
  caseSchema,
  casePatchSchema,
  caseStatsSchema,
  listCasesQuerySchema,
  submissionSchema,
  acceptedSchema,
  responseRecordSchema,
  responseListSchema,
  errorBodySchema,
  listResponsesQuerySchema,
  metricsQuerySchema,
  metricsSchema,
  driversQuerySchema,
  driversSchema,
  recomputeRequestSchema,
];

function componentSchemas(): Record<string, { properties?: Record<string, unknown> }> {
  const registry = z.registry<{ id: string }>();
  for (const schema of PUBLIC_SCHEMAS) {
    const id = schema.meta()?.id;
    if (typeof id === "string") registry.add(schema, { id });
  }
  const { schemas } = z.toJSONSchema(registry, {
    target: "openapi-3.0",
    io: "input",
    unrepresentable: "any",
    uri: (id) => `#/components/schemas/${id}`,
  });
  // OpenAPI 3.0 has no `$id`; the component name is the id.
  return Object.fromEntries(
    Object.entries(schemas).map(([id, { $id: _, ...schema }]) => [
      id,
      schema as { properties?: Record<string, unknown> },
    ]),
  );
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const jsonContent = (schema: unknown) => ({ "application/json": { schema } });
const errorResponse = (description: string) => ({ description, content: jsonContent(ref("Error")) });
const authErrors = {
  "401": errorResponse("missing or unknown API key"),
  "403": errorResponse("key lacks the scope, or origin not allowed"),
};

const listParameters = (query: { properties?: Record<string, unknown> }) =>
  Object.entries(query.properties ?? {}).map(([name, property]) => ({
    name,
    in: "query",
    required: false,
    schema: property,
  }));

/** The OpenAPI 3.0 document of the public API, generated from the same zod schemas the handlers enforce. */
export function openApiDocument(serverUrl?: string) {
  const {
    ListResponsesQuery: listQuery,
    ListCasesQuery: casesQuery,
    MetricsQuery: metricsQuery,
    DriversQuery: driversQuery,
    ...schemas
  } = componentSchemas();
  const pathId = [{ name: "id", in: "path", required: true, schema: { type: "string" } }];
  return {
    openapi: "3.0.3",
    info: {
      title: "cxloop API",
      version: "1",
      description: "Collect customer feedback (NPS, CSAT, CES, comments, reviews) and read enriched responses.",
    },
    ...(serverUrl ? { servers: [{ url: serverUrl }] } : {}),
    components: {
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer" },
        apiKey: { type: "apiKey", in: "header", name: "x-api-key" },
      },
      schemas: {
        ...schemas,
        BatchSubmission: {
          type: "object",
          required: ["responses"],
          additionalProperties: false,
          properties: {
            responses: { type: "array", minItems: 1, maxItems: MAX_BATCH_ITEMS, items: ref("Submission") },
          },
        },
      },
    },
    security: [{ bearer: [] }, { apiKey: [] }],
    paths: {
      "/v1/responses": {
        post: {
          summary: "Submit one response (scope: submit)",
          parameters: [{ name: "Idempotency-Key", in: "header", required: false, schema: { type: "string" } }],
          requestBody: { required: true, content: jsonContent(ref("Submission")) },
          responses: {
            "202": {
              description: "accepted; the same id again gets the same answer",
              content: jsonContent(ref("Accepted")),
            },
            "400": errorResponse("body is not JSON"),
            "413": errorResponse("body over 32 KB"),
            "422": errorResponse("a field breaks the contract; details name it"),
            "503": errorResponse("queue unavailable; retry with the same id"),
            ...authErrors,
          },
        },
        get: {
          summary: "List enriched responses, newest first (scope: read)",
          parameters: listParameters(listQuery ?? {}),
          responses: {
            "200": { description: "a page", content: jsonContent(ref("ResponseList")) },
            "422": errorResponse("bad query"),
            ...authErrors,
          },
        },
      },
      "/v1/responses/batch": {
        post: {
          summary: `Submit up to ${MAX_BATCH_ITEMS} responses with per-item results (scope: submit)`,
          requestBody: { required: true, content: jsonContent(ref("BatchSubmission")) },
          responses: {
            "200": { description: "per-item results" },
            "413": errorResponse("body over 1 MB"),
            "422": errorResponse("bad envelope"),
            ...authErrors,
          },
        },
      },
      "/v1/responses/{id}": {
        get: {
          summary: "One enriched response (scope: read)",
          parameters: [{ name: "id", in: "path", required: true, schema: { type: "string" } }],
          responses: {
            "200": { description: "the record", content: jsonContent(ref("ResponseRecord")) },
            "404": errorResponse("no such response (yet)"),
            ...authErrors,
          },
        },
      },
      "/v1/cases": {
        get: {
          summary: "List follow-up cases, soonest due first (scope: read)",
          parameters: listParameters(casesQuery ?? {}),
          responses: {
            "200": {
              description: "a page: {items: Case[], nextCursor}",
              content: jsonContent({
                type: "object",
                properties: {
                  items: { type: "array", items: ref("Case") },
                  nextCursor: { type: "string", nullable: true },
                },
              }),
            },
            "422": errorResponse("bad query"),
            ...authErrors,
          },
        },
      },
      "/v1/cases/stats": {
        get: {
          summary:
            "Loop health: time to first contact, share closed within SLA, open and overdue per owner (scope: read)",
          responses: { "200": { description: "stats", content: jsonContent(ref("CaseStats")) }, ...authErrors },
        },
      },
      "/v1/cases/{id}": {
        get: {
          summary: "One case with its response snapshot and history (scope: read)",
          parameters: pathId,
          responses: {
            "200": { description: "the case", content: jsonContent(ref("Case")) },
            "404": errorResponse("no such case"),
            ...authErrors,
          },
        },
        patch: {
          summary:
            "Change status (open → contacted → resolved, or closed-no-contact), owner, note, root cause (scope: admin)",
          parameters: [
            ...pathId,
            { name: "x-cxloop-actor", in: "header", required: false, schema: { type: "string" } },
          ],
          requestBody: { required: true, content: jsonContent(ref("CasePatch")) },
          responses: {
            "200": { description: "the updated case", content: jsonContent(ref("Case")) },
            "404": errorResponse("no such case"),
            "409": errorResponse("invalid status move, or the case changed meanwhile"),
            "422": errorResponse("a field breaks the contract"),
            ...authErrors,
          },
        },
      },
      "/v1/customers/{id}": {
        put: {
          summary: "Create or replace a customer profile (scope: admin)",
          parameters: pathId,
          requestBody: { required: true, content: jsonContent(ref("CustomerProfileInput")) },
          responses: {
            "200": { description: "replaced", content: jsonContent(ref("CustomerProfile")) },
            "201": { description: "created", content: jsonContent(ref("CustomerProfile")) },
            "422": errorResponse("a field breaks the contract"),
            ...authErrors,
          },
        },
        get: {
          summary:
            "The 360° view: profile, latest scores and trend, churn risk with reasons, responses, cases, events; ?include=all exports everything (scope: read)",
          parameters: [
            ...pathId,
            { name: "include", in: "query", required: false, schema: { type: "string", enum: ["all"] } },
          ],
          responses: { "200": { description: "the view" }, "404": errorResponse("no such customer"), ...authErrors },
        },
        delete: {
          summary:
            "Erase a customer: profile and events deleted, personal data stripped from responses and cases (scope: admin)",
          parameters: pathId,
          responses: { "200": { description: "what was erased" }, ...authErrors },
        },
      },
      "/v1/customers/batch": {
        post: {
          summary: "Create or replace up to 100 profiles, with per-item results (scope: admin)",
          requestBody: { required: true, content: jsonContent(ref("CustomerBatch")) },
          responses: {
            "200": { description: "per-item results" },
            "422": errorResponse("bad envelope"),
            ...authErrors,
          },
        },
      },
      "/v1/customers/{id}/events": {
        post: {
          summary:
            "Record an operational event (purchase, return, support ticket, plan change) once per id (scope: admin)",
          parameters: pathId,
          requestBody: { required: true, content: jsonContent(ref("OperationalEventInput")) },
          responses: { "201": { description: "recorded" }, "200": { description: "already recorded" }, ...authErrors },
        },
      },
      "/v1/revenue-at-risk": {
        get: {
          summary:
            "Revenue at risk: annual value × churn risk over customers at or above the threshold, per currency and segment (scope: read)",
          responses: { "200": { description: "totals" }, ...authErrors },
        },
      },
      "/v1/metrics": {
        get: {
          summary:
            "NPS, CSAT and CES for a window, grouped and filtered, against the previous equal-length window (scope: read)",
          parameters: listParameters(metricsQuery ?? {}),
          responses: {
            "200": { description: "metrics", content: jsonContent(ref("Metrics")) },
            "422": errorResponse("bad query; details name the parameter"),
            ...authErrors,
          },
        },
      },
      "/v1/drivers": {
        get: {
          summary: "Themes ranked by their impact on NPS (or CSAT), most harmful first (scope: read)",
          parameters: listParameters(driversQuery ?? {}),
          responses: {
            "200": { description: "drivers", content: jsonContent(ref("Drivers")) },
            "422": errorResponse("bad query; details name the parameter"),
            ...authErrors,
          },
        },
      },
      "/v1/metrics/recompute": {
        post: {
          summary: `Roll up to ${MAX_RECOMPUTE_DAYS} days again from the stored responses (scope: admin)`,
          requestBody: { required: true, content: jsonContent(ref("RecomputeRequest")) },
          responses: {
            "200": { description: "days recomputed and the responses they hold" },
            "422": errorResponse("bad range"),
            ...authErrors,
          },
        },
      },
      "/v1/openapi.json": {
        get: { summary: "This document", security: [], responses: { "200": { description: "OpenAPI 3.0" } } },
      },
    },
  };
}
