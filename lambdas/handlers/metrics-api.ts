import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import type * as z from "zod";
import { dynamoDocumentClient } from "../adapters/clients";
import { MetricsStore } from "../adapters/metrics-store";
import { driversQuerySchema, metricsQuerySchema, recomputeRequestSchema } from "../contracts/metrics";
import { ApiRoute } from "../contracts/routes";
import { readEnv } from "../contracts/runtime-env";
import { dayOf } from "../core/calendar";
import { computeDrivers, daysForDrivers } from "../core/drivers";
import { computeMetrics, daysOf, resolveWindow, viewFor } from "../core/metrics";
import { recomputeDay } from "../core/rollup";
import { parseWith } from "../core/validation";
import { type HttpEvent, type HttpResult, httpErrors, json, jsonBody, requireScope, validationError } from "./http";
import { logger } from "./observability";

const env = readEnv(["tableName", "apiKeys", "allowedOrigins", "metricsTimeZone"]);
const auth = { keys: env.apiKeys, allowedOrigins: env.allowedOrigins };
const store = new MetricsStore(dynamoDocumentClient(), env.tableName, env.metricsTimeZone);
const today = () => dayOf(new Date(), env.metricsTimeZone);

function parseQuery<T extends { from?: string; to?: string }>(schema: z.ZodType<T>, event: HttpEvent) {
  const query = parseWith(schema, event.queryStringParameters ?? {}, "query");
  if (!query.ok) throw validationError(query.details);
  const windows = resolveWindow(query.value, today());
  if (!windows.ok)
    throw validationError(windows.details.map((detail) => ({ ...detail, path: `query.${detail.path}` })));
  return { query: query.value, ...windows.value };
}

/**
 * Reads day aggregates only, in the smallest view that answers the query: the cost grows with
 * days × the view's cells (one a day for the total), never with the number of responses.
 */
async function metrics(event: HttpEvent): Promise<HttpResult> {
  const { query, current, previous } = parseQuery(metricsQuerySchema, event);
  const { survey, touchpoint, channel, segment } = query;
  const filters = { survey, touchpoint, channel, segment };
  const groupBy = query.groupBy ?? null;
  const days = await store.days(viewFor(filters, groupBy), previous.from, current.to);
  return json(
    200,
    computeMetrics({ window: current, previousWindow: previous, filters, groupBy, days, previousDays: days }),
  );
}

async function drivers(event: HttpEvent): Promise<HttpResult> {
  const { query, current } = parseQuery(driversQuerySchema, event);
  const days = await daysForDrivers(store, current);
  return json(200, computeDrivers({ window: current, survey: query.survey, days }));
}

/** Rolls the given days up again from the stored responses (after a definition change); the CLI walks long ranges. */
async function recompute(event: HttpEvent): Promise<HttpResult> {
  const range = parseWith(recomputeRequestSchema, jsonBody(event, 1024));
  if (!range.ok) throw validationError(range.details);
  const ports = { store, now: () => new Date() };
  const days = daysOf(range.value);
  let responses = 0;
  for (const day of days) {
    const aggregate = await recomputeDay(day, ports);
    responses += aggregate.cells.reduce((total, cell) => total + cell.stats.total, 0);
  }
  logger.info("metrics recomputed", { from: range.value.from, to: range.value.to, responses });
  return json(200, { ...range.value, days: days.length, responses });
}

export const handler = middy<HttpEvent, HttpResult>()
  .use(injectLambdaContext(logger))
  .use(httpErrors(logger))
  .handler(async (event) => {
    if (event.routeKey === ApiRoute.recomputeMetrics) {
      requireScope(event, "admin", auth);
      return recompute(event);
    }
    requireScope(event, "read", auth);
    return event.routeKey === ApiRoute.drivers ? drivers(event) : metrics(event);
  });
