import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { LOCAL_ACCOUNT } from "./aws-local";
import type { CorsSpec, RouteSpec } from "./template";

interface CompiledRoute {
  routeKey: string;
  method: string;
  pattern: RegExp;
  params: string[];
  functionLogicalId: string;
}

/** `/v1/responses/{id}` → a regex with one capture per `{param}`; `{proxy+}` captures the rest of the path. */
function compile(route: RouteSpec): CompiledRoute {
  const [method, path] = route.routeKey.split(" ") as [string, string];
  const params: string[] = [];
  const source = path
    .split("/")
    .map((segment) => {
      const greedy = segment.match(/^\{(.+)\+\}$/);
      if (greedy) {
        params.push(greedy[1] as string);
        return "(.+)";
      }
      const param = segment.match(/^\{(.+)\}$/);
      if (param) {
        params.push(param[1] as string);
        return "([^/]+)";
      }
      return segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    })
    .join("/");
  return {
    routeKey: route.routeKey,
    method,
    pattern: new RegExp(`^${source}$`),
    params,
    functionLogicalId: route.functionLogicalId,
  };
}

export type RouteMatch = { route: CompiledRoute; pathParameters: Record<string, string> };

/** Route selection as HTTP APIs do it: exact paths win over parameterised ones, then the longest. */
export class RouteTable {
  private readonly routes: CompiledRoute[];

  constructor(routes: RouteSpec[]) {
    const specificity = (route: CompiledRoute) => (route.params.length === 0 ? 1e6 : 0) + route.pattern.source.length;
    this.routes = routes.map(compile).sort((a, b) => specificity(b) - specificity(a));
  }

  match(method: string, path: string): RouteMatch | "method-not-allowed" | undefined {
    let pathMatched = false;
    for (const route of this.routes) {
      const found = route.pattern.exec(path);
      if (!found) continue;
      pathMatched = true;
      if (route.method !== method && route.method !== "ANY") continue;
      const pathParameters = Object.fromEntries(route.params.map((name, i) => [name, found[i + 1] as string]));
      return { route, pathParameters };
    }
    return pathMatched ? "method-not-allowed" : undefined;
  }
}

export async function readRequestBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const TEXT_TYPES = /^(text\/|application\/(json|xml|x-www-form-urlencoded|javascript))/;

/** The payload format 2.0 event API Gateway HTTP APIs send to a Lambda integration. */
export function proxyEvent(
  request: IncomingMessage,
  url: URL,
  body: Buffer,
  match: RouteMatch,
): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    if (name === "cookie") cookies.push(...String(value).split(/;\s*/));
    else headers[name] = Array.isArray(value) ? value.join(",") : value;
  }
  // As API Gateway does: the scheme the client used, whatever it claimed.
  headers["x-forwarded-proto"] = "http";
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams) query[name] = name in query ? `${query[name]},${value}` : value;
  const isText = body.length === 0 || TEXT_TYPES.test(headers["content-type"] ?? "application/json");
  const now = new Date();
  return {
    version: "2.0",
    routeKey: match.route.routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    ...(cookies.length ? { cookies } : {}),
    headers,
    ...(Object.keys(query).length ? { queryStringParameters: query } : {}),
    ...(Object.keys(match.pathParameters).length ? { pathParameters: match.pathParameters } : {}),
    requestContext: {
      accountId: LOCAL_ACCOUNT,
      apiId: "local",
      domainName: headers.host ?? "localhost",
      domainPrefix: (headers.host ?? "localhost").split(".")[0] as string,
      http: {
        method: request.method ?? "GET",
        path: url.pathname,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp: request.socket.remoteAddress ?? "127.0.0.1",
        userAgent: headers["user-agent"] ?? "",
      },
      requestId: randomUUID(),
      routeKey: match.route.routeKey,
      stage: "$default",
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(body.length ? { body: isText ? body.toString("utf8") : body.toString("base64") } : {}),
    isBase64Encoded: body.length > 0 && !isText,
  };
}

/** Writes a Lambda result back the way HTTP APIs interpret payload format 2.0 responses. */
export function writeProxyResult(response: ServerResponse, result: unknown, extraHeaders: Record<string, string>) {
  const structured =
    result && typeof result === "object" && "statusCode" in result
      ? (result as {
          statusCode: number;
          headers?: Record<string, string>;
          body?: string;
          isBase64Encoded?: boolean;
          cookies?: string[];
        })
      : { statusCode: 200, headers: { "content-type": "application/json" }, body: JSON.stringify(result ?? null) };
  const headers: Record<string, string | string[]> = { ...extraHeaders, ...structured.headers };
  if (structured.cookies?.length) headers["set-cookie"] = structured.cookies;
  const body = structured.body ?? "";
  response.writeHead(structured.statusCode, headers);
  response.end(structured.isBase64Encoded ? Buffer.from(body, "base64") : body);
}

/** CORS as HTTP APIs apply it: preflights answered by the gateway, headers added to matching origins. */
export function corsHeaders(cors: CorsSpec | undefined, origin: string | undefined): Record<string, string> {
  if (!cors || !origin) return {};
  const allowed = cors.allowOrigins.includes("*") || cors.allowOrigins.includes(origin);
  if (!allowed) return {};
  return { "access-control-allow-origin": cors.allowOrigins.includes("*") ? "*" : origin, vary: "origin" };
}

export function preflightHeaders(cors: CorsSpec, origin: string): Record<string, string> | undefined {
  const base = corsHeaders(cors, origin);
  if (!base["access-control-allow-origin"]) return undefined;
  return {
    ...base,
    "access-control-allow-methods": cors.allowMethods.join(","),
    "access-control-allow-headers": cors.allowHeaders.join(","),
    ...(cors.maxAgeSeconds !== undefined ? { "access-control-max-age": String(cors.maxAgeSeconds) } : {}),
  };
}
