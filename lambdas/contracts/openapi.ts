import * as z from "zod";
import { errorBodySchema } from "./errors";
import { ROUTES, type RouteSpec } from "./routes";
import { WEBHOOK_PAYLOADS } from "./webhooks";

type JsonSchema = Record<string, unknown> & { properties?: Record<string, unknown>; required?: string[] };

const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });
const idOf = (schema: z.ZodType) => {
  const id = schema.meta()?.id;
  return typeof id === "string" ? id : undefined;
};
const schemaOf = (schema: z.ZodType, io: "input" | "output") => {
  const id = idOf(schema);
  return id ? ref(id) : inline(schema, io);
};
const jsonContent = (schema: z.ZodType) => ({ "application/json": { schema: schemaOf(schema, "output") } });
const bodyContent = (body: NonNullable<RouteSpec["body"]>) =>
  body.format === "form"
    ? { "application/x-www-form-urlencoded": { schema: schemaOf(body.schema, "input") } }
    : jsonContent(body.schema);

/** A JSON Schema without the keys that have no place inside an OpenAPI document. */
function strip({ $schema: _schema, $id: _id, ...rest }: JsonSchema): JsonSchema {
  return rest;
}

const inline = (schema: z.ZodType, io: "input" | "output") =>
  strip(z.toJSONSchema(schema, { target: "draft-2020-12", io, unrepresentable: "any" }) as JsonSchema);

/**
 * Components from the schemas that declare an id with `.meta({ id })`: request bodies as clients
 * send them (defaults optional), answers as the API sends them (defaults filled in).
 */
function components(schemas: readonly z.ZodType[], io: "input" | "output"): Record<string, JsonSchema> {
  const registry = z.registry<{ id: string }>();
  for (const schema of schemas) {
    const id = idOf(schema);
    if (id && !registry.has(schema)) registry.add(schema, { id });
  }
  const { schemas: converted } = z.toJSONSchema(registry, {
    target: "draft-2020-12",
    io,
    unrepresentable: "any",
    uri: (id) => `#/components/schemas/${id}`,
  });
  // Schemas with an id met only inside another land in `__shared`; they are components like the rest.
  const { __shared, ...named } = converted as Record<string, JsonSchema & { $defs?: Record<string, JsonSchema> }>;
  const all = { ...named, ...__shared?.$defs };
  const linked = JSON.parse(
    JSON.stringify(all).replaceAll(`"#/components/schemas/__shared#/$defs/`, `"#/components/schemas/`),
  ) as Record<string, JsonSchema>;
  return Object.fromEntries(Object.entries(linked).map(([id, schema]) => [id, strip(schema)]));
}

/** Path and query parameters, one per property of the route's schema. */
function parameters(schema: z.ZodType | undefined, location: "path" | "query") {
  if (!schema) return [];
  const object = inline(schema, "input");
  return Object.entries(object.properties ?? {}).map(([name, property]) => {
    const { description, ...propertySchema } = property as JsonSchema & { description?: string };
    return {
      name,
      in: location,
      required: location === "path" || (object.required ?? []).includes(name),
      ...(description ? { description } : {}),
      schema: propertySchema,
    };
  });
}

const AUTH_ERRORS = {
  401: "missing or unknown API key",
  403: "the key lacks the scope, or the origin is not allowed",
};

function operation(operationId: string, route: RouteSpec) {
  const errors = { ...route.errors, ...(route.scope === "public" ? {} : AUTH_ERRORS) };
  return {
    operationId,
    tags: [route.tag],
    summary: route.summary,
    description: [route.description, route.scope === "public" ? "No key needed." : `Scope: \`${route.scope}\`.`]
      .filter(Boolean)
      .join(" "),
    security: route.scope === "public" ? [] : [{ bearer: [route.scope] }, { apiKey: [route.scope] }],
    parameters: [
      ...parameters(route.path, "path"),
      ...parameters(route.query, "query"),
      ...(route.headers ?? []).map(({ name, description }) => ({
        name,
        in: "header",
        required: false,
        description,
        schema: { type: "string" },
      })),
    ],
    ...(route.body ? { requestBody: { required: true, content: bodyContent(route.body) } } : {}),
    responses: Object.fromEntries([
      ...Object.entries(route.responses).map(([status, answer]) => [
        status,
        {
          description: answer.description,
          content: answer.html ? { "text/html": { schema: { type: "string" } } } : jsonContent(answer.schema),
        },
      ]),
      ...Object.entries(errors).map(([status, description]) => [
        status,
        { description, content: jsonContent(errorBodySchema) },
      ]),
    ]),
  };
}

const TAGS = [
  { name: "responses", description: "Collect feedback and read the enriched responses" },
  { name: "survey links", description: "Personal links for email surveys, and the pages they open" },
  { name: "integrations", description: "Webhooks from Delighted and Formbricks, stored as responses" },
  { name: "cases", description: "Follow-up cases: close the loop with each customer" },
  { name: "customers", description: "Customer profiles, operational events, the 360° view and erasure" },
  { name: "metrics", description: "NPS, CSAT, CES and their key drivers" },
  { name: "webhooks", description: "Outbound webhooks (Standard Webhooks): endpoints, secrets, the delivery log" },
  { name: "meta", description: "About the API itself" },
];

const WEBHOOK_HEADERS = [
  ["webhook-id", "the delivery's id: the same on every retry, so a receiver processes it once"],
  ["webhook-timestamp", "when this attempt was signed, in Unix seconds; refuse ones far from your clock"],
  ["webhook-signature", "`v1,<base64 HMAC-SHA256>`, space-separated when a rotation overlaps"],
] as const;

/** The top-level `webhooks` of OpenAPI 3.1: what cxloop POSTs to an endpoint, one operation per event type. */
const webhookOperations = () =>
  Object.fromEntries(
    WEBHOOK_PAYLOADS.map(({ type, description, schema }) => [
      type,
      {
        post: {
          operationId: `webhook${type.replaceAll(" ", "")}`,
          tags: ["webhooks"],
          summary: type,
          description: `${description} Verify the signature (Standard Webhooks) before trusting the body.`,
          // No API key: the receiver authenticates cxloop by the signature, with the endpoint's secret.
          security: [],
          parameters: WEBHOOK_HEADERS.map(([name, headerDescription]) => ({
            name,
            in: "header",
            required: true,
            description: headerDescription,
            schema: { type: "string" },
          })),
          requestBody: { required: true, content: jsonContent(schema) },
          responses: {
            "2XX": { description: "received; any other answer (or none within 10 s) is retried with backoff" },
          },
        },
      },
    ]),
  );

/** The OpenAPI 3.1 document of the public API, generated from the route registry and its zod schemas. */
export function openApiDocument() {
  const routes: [string, RouteSpec][] = Object.entries(ROUTES);
  const requests = routes.flatMap(([, route]) => (route.body ? [route.body.schema] : []));
  const answers = [
    errorBodySchema,
    ...WEBHOOK_PAYLOADS.map((payload) => payload.schema),
    ...routes.flatMap(([, route]) => Object.values(route.responses).flatMap((r) => (r.html ? [] : [r.schema]))),
  ];
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [operationId, route] of routes) {
    const [method, path] = route.key.split(" ") as [string, string];
    paths[path] = { ...paths[path], [method.toLowerCase()]: operation(operationId, route) };
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "cxloop API",
      version: "1",
      description:
        "Collect customer feedback (NPS, CSAT, CES, comments, reviews), read the enriched responses, work follow-up cases, and measure.",
      license: { name: "Apache-2.0", identifier: "Apache-2.0" },
    },
    // Relative: the document is served by the API it describes, whatever host or stage that is.
    servers: [{ url: "/", description: "the API that serves this document" }],
    tags: TAGS,
    components: {
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer", description: "`Authorization: Bearer <API key>`" },
        apiKey: { type: "apiKey", in: "header", name: "x-api-key" },
      },
      schemas: { ...components(requests, "input"), ...components(answers, "output") },
    },
    paths,
    webhooks: webhookOperations(),
  };
}
