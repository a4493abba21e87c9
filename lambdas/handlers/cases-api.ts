import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import type { CaseListQuery } from "../adapters/case-store";
import { type CasePatch, casePatchSchema, listCasesQuerySchema } from "../contracts/cases";
import { DetailType } from "../contracts/events";
import { ApiRoute } from "../contracts/routes";
import { readEnv } from "../contracts/runtime-env";
import { applyPatch, caseStats } from "../core/cases";
import { parseWith } from "../core/validation";
import { caseWiring } from "./case-wiring";
import {
  HttpError,
  type HttpEvent,
  type HttpResult,
  header,
  httpErrors,
  json,
  jsonBody,
  requireScope,
  validationError,
} from "./http";
import { logger } from "./observability";

const env = readEnv(["apiKeys", "allowedOrigins"]);
const auth = { keys: env.apiKeys, allowedOrigins: env.allowedOrigins };
const { store, events, now, isConflict } = caseWiring();
const MAX_PATCH_BYTES = 16 * 1024;

const encodeCursor = (cursor: NonNullable<CaseListQuery["cursor"]>) =>
  Buffer.from(JSON.stringify(cursor)).toString("base64url");
function decodeCursor(text: string): CaseListQuery["cursor"] {
  try {
    const cursor = JSON.parse(Buffer.from(text, "base64url").toString("utf8")) as { state?: unknown };
    if (cursor.state === "ACTIVE" || cursor.state === "CLOSED") return cursor as CaseListQuery["cursor"];
  } catch {
    // reported below
  }
  throw validationError([{ path: "query.cursor", message: "is not a cursor returned by this API" }]);
}

async function listCases(event: HttpEvent): Promise<HttpResult> {
  const query = parseWith(listCasesQuerySchema, event.queryStringParameters ?? {}, "query");
  if (!query.ok) throw validationError(query.details);
  const { status, owner, priority, overdue, limit, cursor } = query.value;
  const page = await store.list({
    status,
    owner,
    priority,
    overdueAt: overdue === "true" ? now() : undefined,
    limit,
    cursor: cursor ? decodeCursor(cursor) : undefined,
  });
  const items = overdue === "false" ? page.items.filter((item) => item.dueAt >= now().toISOString()) : page.items;
  return json(200, { items, nextCursor: page.nextCursor ? encodeCursor(page.nextCursor) : null });
}

async function getCase(id: string): Promise<HttpResult> {
  const found = await store.get(id);
  if (!found) throw new HttpError(404, "not_found", `no case ${id}`);
  return json(200, found);
}

async function patchCase(event: HttpEvent, id: string, actor: string): Promise<HttpResult> {
  const patch = parseWith(casePatchSchema, jsonBody(event, MAX_PATCH_BYTES));
  if (!patch.ok) throw validationError(patch.details);
  const current = await store.get(id);
  if (!current) throw new HttpError(404, "not_found", `no case ${id}`);
  const outcome = applyPatch(current, patch.value as CasePatch, actor, now());
  if (!outcome.ok)
    throw new HttpError(409, "conflict", outcome.conflict, [{ path: "status", message: outcome.conflict }]);
  if (outcome.changes.length === 0) return json(200, current);
  try {
    await store.save(outcome.case, current.version);
  } catch (error) {
    if (isConflict(error))
      throw new HttpError(409, "conflict", "the case changed while you edited it; read it again and retry");
    throw error;
  }
  await events.caseEvent(outcome.closed ? DetailType.CaseClosed : DetailType.CaseUpdated, {
    case: outcome.case,
    changes: outcome.changes,
    by: actor,
  });
  return json(200, outcome.case);
}

export const handler = middy<HttpEvent, HttpResult>()
  .use(injectLambdaContext(logger))
  .use(httpErrors(logger))
  .handler(async (event) => {
    if (event.routeKey === ApiRoute.patchCase) {
      const key = requireScope(event, "admin", auth);
      // Who made the change, as the caller's tool names them; else the API key's name.
      const actor = header(event, "x-cxloop-actor")?.slice(0, 100) || key.name;
      return patchCase(event, decodeURIComponent(event.pathParameters?.id ?? ""), actor);
    }
    requireScope(event, "read", auth);
    if (event.routeKey === ApiRoute.caseStats) return json(200, caseStats(await store.all(), now()));
    if (event.routeKey === ApiRoute.getCase) return getCase(decodeURIComponent(event.pathParameters?.id ?? ""));
    return listCases(event);
  });
