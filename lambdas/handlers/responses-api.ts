import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import { dynamoDocumentClient } from "../adapters/clients";
import { type ListCursor, ResponseStore } from "../adapters/response-store";
import { openApiDocument } from "../contracts/openapi";
import { listResponsesQuerySchema } from "../contracts/queries";
import { ApiRoute } from "../contracts/routes";
import { readEnv } from "../contracts/runtime-env";
import { responseIdSchema } from "../contracts/submission";
import { parseWith } from "../core/validation";
import { HttpError, type HttpEvent, type HttpResult, httpErrors, json, requireScope, validationError } from "./http";
import { logger } from "./observability";

const env = readEnv(["tableName", "apiKeys", "allowedOrigins", "commentRetentionDays"]);
const auth = { keys: env.apiKeys, allowedOrigins: env.allowedOrigins };
const store = new ResponseStore(dynamoDocumentClient(), env.tableName, {
  commentRetentionDays: env.commentRetentionDays,
});
const YEAR_MS = 366 * 24 * 3600 * 1000;

const encodeCursor = (cursor: ListCursor) => Buffer.from(JSON.stringify(cursor)).toString("base64url");
function decodeCursor(text: string): ListCursor {
  try {
    const cursor = JSON.parse(Buffer.from(text, "base64url").toString("utf8")) as unknown;
    if (cursor && typeof cursor === "object") return cursor as ListCursor;
  } catch {
    // fall through to the client error below
  }
  throw validationError([{ path: "query.cursor", message: "is not a cursor returned by this API" }]);
}

/** A date without a time means the whole day: `to=2026-11-22` includes that day. */
const toInstant = (value: string, endOfDay: boolean) =>
  new Date(value.length === 10 ? `${value}T${endOfDay ? "23:59:59.999" : "00:00:00.000"}Z` : value);

async function getResponse(event: HttpEvent): Promise<HttpResult> {
  const id = parseWith(responseIdSchema, decodeURIComponent(event.pathParameters?.id ?? ""), "path.id");
  if (!id.ok) throw validationError(id.details);
  const stored = await store.get(id.value);
  if (!stored) throw new HttpError(404, "not_found", `no response ${id.value}; it may still be in the queue`);
  return json(200, stored.record);
}

async function listResponses(event: HttpEvent): Promise<HttpResult> {
  const query = parseWith(listResponsesQuerySchema, event.queryStringParameters ?? {}, "query");
  if (!query.ok) throw validationError(query.details);
  const { from, to, limit, customerId, category, cursor } = query.value;
  const toDate = to ? toInstant(to, true) : new Date();
  const fromDate = from ? toInstant(from, false) : new Date(toDate.getTime() - YEAR_MS);
  if (fromDate > toDate) throw validationError([{ path: "query.from", message: "is after `to`" }]);
  const page = await store.list({
    from: fromDate,
    to: toDate,
    limit,
    customerId,
    category,
    cursor: cursor ? decodeCursor(cursor) : undefined,
  });
  return json(200, { items: page.items, nextCursor: page.nextCursor ? encodeCursor(page.nextCursor) : null });
}

export const handler = middy<HttpEvent, HttpResult>()
  .use(injectLambdaContext(logger))
  .use(httpErrors(logger))
  .handler(async (event) => {
    if (event.routeKey === ApiRoute.openApi) {
      const host = event.headers?.host;
      return json(200, openApiDocument(host ? `https://${host}` : undefined));
    }
    requireScope(event, "read", auth);
    if (event.routeKey === ApiRoute.getResponse) return getResponse(event);
    return listResponses(event);
  });
