import type { Logger } from "@aws-lambda-powertools/logger";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import middy, { type MiddlewareObj } from "@middy/core";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import type * as z from "zod";
import { type AbuseControl, type Caller, isBrowserKey, type Scope } from "../contracts/auth";
import { ERROR_STATUS, type ErrorBody } from "../contracts/errors";
import { type HandlerName, type OperationId, type OperationsOf, ROUTES, type RouteSpec } from "../contracts/routes";
import { storableProblems } from "../contracts/storable";
import { type AuthPolicy, authorize } from "../core/auth";
import { ClientError, validationFailed } from "../core/client-error";
import { type RateLimiter, rateLimited } from "../core/rate-limits";
import { parseWith } from "../core/validation";
import { logger, metrics } from "./observability";

export type HttpEvent = APIGatewayProxyEventV2;
export type HttpResult = APIGatewayProxyStructuredResultV2;
/** How requests are let in: who a key belongs to, and how much a browser key may do. */
export interface ApiAuth extends AuthPolicy {
  limits: Pick<AbuseControl, "perKey" | "perSourceIp">;
  limiter: Pick<RateLimiter, "take">;
}

type Route<K extends OperationId> = (typeof ROUTES)[K];
type Output<S> = S extends z.ZodType ? z.output<S> : never;
type PathOf<R> = R extends { path: infer S } ? Output<S> : undefined;
type QueryOf<R> = R extends { query: infer S } ? Output<S> : undefined;
type BodyOf<R> = R extends { body: { format: "raw" } }
  ? string
  : R extends { body: { checkedBy: "use case" } }
    ? unknown
    : R extends { body: { schema: infer S } }
      ? Output<S>
      : undefined;
type AnswerOf<R extends RouteSpec> = {
  [S in keyof R["responses"]]: {
    status: S;
    body: Output<R["responses"][S] extends { schema: infer Schema } ? Schema : never>;
    headers?: Record<string, string>;
  };
}[keyof R["responses"]];

/** A request as the use case sees it: scope checked, path, query and body parsed with the route's schemas. */
export interface RouteRequest<K extends OperationId> {
  path: PathOf<Route<K>>;
  query: QueryOf<Route<K>>;
  body: BodyOf<Route<K>>;
  /** The key that called; public routes have none. */
  caller: Route<K>["scope"] extends "public" ? null : Caller;
  header(name: string): string | undefined;
  /** Where the API answered this request (`https://<domain>`), for links back to it. */
  baseUrl: string;
}

/** What serves each route of one function; the answer must fit the route's documented response schema. */
export type RouteImplementations<H extends HandlerName> = {
  [K in OperationsOf<H>]: (request: RouteRequest<K>) => Promise<AnswerOf<Route<K>>>;
};

export const json = (statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResult => ({
  statusCode,
  headers: { "content-type": "application/json", ...headers },
  body: JSON.stringify(body),
});

/** A page for people: the route's page says what it needs to (its policy, caching); the type is always HTML. */
const page = (statusCode: number, html: string, headers: Record<string, string> = {}): HttpResult => ({
  statusCode,
  headers: { ...headers, "content-type": "text/html; charset=utf-8" },
  body: html,
});

/** Whether a route answers people with pages rather than programs with JSON. */
const servesPages = (route: RouteSpec) => Object.values(route.responses).some((answer) => answer.html);

const errorBody = (error: ClientError): ErrorBody => ({
  error: { code: error.code, message: error.message, details: error.details },
});

/** Lower-cased header lookup; API Gateway HTTP APIs lower-case names already, other callers may not. */
export function header(event: HttpEvent, name: string): string | undefined {
  const headers = event.headers ?? {};
  return headers[name] ?? Object.entries(headers).find(([key]) => key.toLowerCase() === name)?.[1];
}

/**
 * Parses a JSON (or a page's form) body after checking its size, so an oversized body is never parsed; a `raw`
 * body is handed over as the text that came, for a use case that checks a signature over those exact bytes.
 */
function requestBody(event: HttpEvent, maxBytes: number, format?: "form" | "raw"): unknown {
  const raw = event.body ?? "";
  const text = event.isBase64Encoded ? Buffer.from(raw, "base64").toString("utf8") : raw;
  const bytes = Buffer.byteLength(text, "utf8");
  if (bytes > maxBytes)
    throw new ClientError("payload_too_large", `body is ${bytes} bytes; the limit is ${maxBytes}`, [
      { path: "body", message: `at most ${maxBytes} bytes` },
    ]);
  if (format === "raw") return text;
  if (format === "form") return Object.fromEntries(new URLSearchParams(text));
  if (text.trim() === "")
    throw new ClientError("invalid_json", "body is empty", [{ path: "body", message: "a JSON object is required" }]);
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const reason = error instanceof Error ? error.message : "unparseable";
    throw new ClientError("invalid_json", "body is not valid JSON", [{ path: "body", message: reason }]);
  }
}

/** Path parameters as API Gateway passes them (still percent-encoded), decoded; a bad escape is the client's error. */
function pathParameters(event: HttpEvent): Record<string, string> {
  return Object.fromEntries(
    Object.entries(event.pathParameters ?? {}).map(([name, value]) => {
      try {
        return [name, decodeURIComponent(value ?? "")];
      } catch {
        throw validationFailed([{ path: `path.${name}`, message: "is not valid percent-encoding" }]);
      }
    }),
  );
}

async function requireScope(event: HttpEvent, scope: Scope, auth: ApiAuth): Promise<Caller> {
  const result = await authorize(
    {
      authorization: header(event, "authorization"),
      apiKey: header(event, "x-api-key"),
      origin: header(event, "origin"),
    },
    scope,
    auth,
  );
  if (!result.ok)
    throw new ClientError(
      result.status === 401 ? "unauthorized" : "forbidden",
      result.message,
      [],
      result.status === 401 ? { "www-authenticate": "Bearer" } : {},
    );
  return result.caller;
}

/** A browser key is public: it may make only so many requests, per key and per source address. */
async function withinLimits(event: HttpEvent, caller: Caller, auth: ApiAuth): Promise<void> {
  if (!isBrowserKey(caller)) return;
  const { perKey, perSourceIp } = auth.limits;
  const checks = [
    perKey && { by: "key" as const, subject: caller.id ?? `stage:${caller.name}`, limit: perKey },
    perSourceIp && { by: "source-ip" as const, subject: event.requestContext.http.sourceIp, limit: perSourceIp },
  ].filter((check) => check !== null);
  const verdicts = await Promise.all(checks.map((check) => auth.limiter.take(check.by, check.subject, check.limit)));
  verdicts.forEach((verdict, position) => {
    const check = checks[position] as (typeof checks)[number];
    if (!verdict.ok) throw rateLimited(check.by, check.limit, verdict.retryAfterSeconds);
  });
}

function parsed<S extends z.ZodType>(schema: S, input: unknown, prefix: string): z.output<S> {
  const result = parseWith(schema, input, prefix);
  if (!result.ok) throw validationFailed(result.details);
  return result.value;
}

/**
 * Maps a `ClientError` to its status and JSON body. Anything else is a fault of ours: it is
 * logged (without the request body) and answered 500 with no internals.
 */
function httpErrors(
  log: Logger,
  pageRoutes: ReadonlySet<string>,
  errorPage?: ErrorPage,
): MiddlewareObj<HttpEvent, HttpResult> {
  return {
    onError: async (request) => {
      const { error } = request;
      if (error instanceof ClientError) {
        const status = ERROR_STATUS[error.code];
        if (status >= 500) log.error("request failed", { code: error.code, reason: error.message });
        const reason = [error.message, ...error.details.map((detail) => `${detail.path}: ${detail.message}`)];
        const asPage = errorPage && pageRoutes.has(request.event.routeKey) ? errorPage(reason.join("; ")) : null;
        request.response = asPage
          ? page(status, asPage.html, asPage.headers)
          : json(status, errorBody(error), error.headers);
        return;
      }
      log.error("unhandled error", error instanceof Error ? error : String(error));
      request.response = json(500, {
        error: { code: "internal", message: "internal error; the request can be retried", details: [] },
      });
    },
  };
}

/**
 * The entry point of a function that serves API routes. Everything a route needs before its use
 * case runs comes from the route registry: the scope (checked first, so a caller without it learns
 * nothing more), then path, query and body parsed with the route's schemas, each error naming its field.
 */
/** How a function with page routes shows a refusal its use case never saw (a malformed token or form). */
export type ErrorPage = (reason: string) => { html: string; headers: Record<string, string> };

export function httpHandler<H extends HandlerName>(
  implementations: RouteImplementations<H>,
  options: { auth: ApiAuth; emitMetrics?: boolean; errorPage?: ErrorPage },
) {
  const byRouteKey = new Map(
    (Object.entries(implementations) as [OperationId, (request: unknown) => Promise<AnswerOf<RouteSpec>>][]).map(
      ([operationId, implementation]) => [
        ROUTES[operationId].key as string,
        { route: ROUTES[operationId] as RouteSpec, implementation },
      ],
    ),
  );
  const handler = middy<HttpEvent, HttpResult>().use(injectLambdaContext(logger));
  if (options.emitMetrics) handler.use(logMetrics(metrics));
  const pageRoutes = new Set([...byRouteKey].filter(([, { route }]) => servesPages(route)).map(([key]) => key));
  return handler.use(httpErrors(logger, pageRoutes, options.errorPage)).handler(async (event) => {
    const served = byRouteKey.get(event.routeKey);
    if (!served) throw new ClientError("not_found", `no route ${event.routeKey}`);
    const { route, implementation } = served;
    const caller = route.scope === "public" ? null : await requireScope(event, route.scope, options.auth);
    if (caller) await withinLimits(event, caller, options.auth);
    const path = route.path ? parsed(route.path, pathParameters(event), "path") : undefined;
    const query = route.query ? parsed(route.query, event.queryStringParameters ?? {}, "query") : undefined;
    let body: unknown;
    if (route.body) {
      const raw = requestBody(event, route.body.maxBytes, route.body.format);
      if (route.body.checkedBy === "use case" || route.body.format === "raw") body = raw;
      else {
        const unstorable = storableProblems(raw);
        if (unstorable.length > 0) throw validationFailed(unstorable);
        body = parsed(route.body.schema, raw, "");
      }
    }
    const answer = await implementation({
      path,
      query,
      body,
      caller,
      header: (name: string) => header(event, name),
      baseUrl: `${header(event, "x-forwarded-proto") ?? "https"}://${event.requestContext.domainName}`,
    });
    const status = Number(answer.status);
    return route.responses[status]?.html
      ? page(status, String(answer.body), answer.headers)
      : json(status, answer.body, answer.headers);
  });
}
