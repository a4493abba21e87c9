import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import { ulid } from "ulid";
import { CaseStore } from "../adapters/case-store";
import { dynamoDocumentClient } from "../adapters/clients";
import { ResponseStore } from "../adapters/response-store";
import {
  customerBatchSchema,
  customerIdSchema,
  customerProfileInputSchema,
  operationalEventInputSchema,
} from "../contracts/customers";
import { ApiRoute } from "../contracts/routes";
import { readEnv } from "../contracts/runtime-env";
import { assessCustomerRisk } from "../core/customer-risk";
import { customerView } from "../core/customer-view";
import { revenueAtRisk } from "../core/revenue-at-risk";
import { parseWith } from "../core/validation";
import { customerRiskPorts } from "./customer-risk-wiring";
import {
  HttpError,
  type HttpEvent,
  type HttpResult,
  httpErrors,
  json,
  jsonBody,
  requireScope,
  validationError,
} from "./http";
import { logger } from "./observability";

const env = readEnv(["tableName", "apiKeys", "allowedOrigins", "commentRetentionDays"]);
const auth = { keys: env.apiKeys, allowedOrigins: env.allowedOrigins };
const risk = customerRiskPorts();
const { customers } = risk;
const retention = { commentRetentionDays: env.commentRetentionDays };
const responses = new ResponseStore(dynamoDocumentClient(), env.tableName, retention);
const cases = new CaseStore(dynamoDocumentClient(), env.tableName, retention);
const MAX_BODY = 64 * 1024;
const MAX_BATCH_BODY = 1024 * 1024;
/** How much history the 360° view shows; `?include=all` exports everything. */
const VIEW_LIMIT = 50;
const EXPORT_LIMIT = 100_000;

function customerId(event: HttpEvent): string {
  const parsed = parseWith(customerIdSchema, decodeURIComponent(event.pathParameters?.id ?? ""), "path.id");
  if (!parsed.ok) throw validationError(parsed.details);
  return parsed.value;
}

async function putCustomer(event: HttpEvent): Promise<HttpResult> {
  const id = customerId(event);
  const input = parseWith(customerProfileInputSchema, jsonBody(event, MAX_BODY));
  if (!input.ok) throw validationError(input.details);
  const { created, profile } = await customers.put(id, input.value, new Date());
  return json(created ? 201 : 200, profile);
}

async function batch(event: HttpEvent): Promise<HttpResult> {
  const envelope = parseWith(customerBatchSchema, jsonBody(event, MAX_BATCH_BODY));
  if (!envelope.ok) throw validationError(envelope.details);
  const now = new Date();
  const results = [];
  for (const [index, item] of envelope.value.customers.entries()) {
    const prefix = `customers.${index}`;
    const id = parseWith(customerIdSchema, (item as { id?: unknown } | null)?.id, `${prefix}.id`);
    const { id: _id, ...fields } = (item && typeof item === "object" ? item : {}) as Record<string, unknown>;
    const input = parseWith(customerProfileInputSchema, fields, prefix);
    if (!id.ok || !input.ok) {
      const details = [...(id.ok ? [] : id.details), ...(input.ok ? [] : input.details)];
      results.push({ index, status: "rejected", error: validationError(details).toBody().error });
      continue;
    }
    const { created } = await customers.put(id.value, input.value, now);
    results.push({ index, id: id.value, status: created ? "created" : "updated" });
  }
  const rejected = results.filter((result) => result.status === "rejected").length;
  return json(200, { accepted: results.length - rejected, rejected, results });
}

async function getCustomer(event: HttpEvent): Promise<HttpResult> {
  const id = customerId(event);
  const everything = event.queryStringParameters?.include === "all";
  const profile = await customers.get(id);
  const limit = everything ? EXPORT_LIMIT : VIEW_LIMIT;
  const [history, customerCases, events] = await Promise.all([
    responses.list({ customerId: id, from: new Date(0), to: new Date(), limit }),
    cases.ofCustomer(id),
    customers.events(id, everything ? undefined : VIEW_LIMIT),
  ]);
  if (!profile && history.items.length === 0) throw new HttpError(404, "not_found", `no customer ${id}`);
  return json(200, customerView(profile, history.items, customerCases, events, new Date()));
}

/** Erasure: the profile and events go; responses and cases stay (metrics stay right) without personal data. */
async function eraseCustomer(event: HttpEvent): Promise<HttpResult> {
  const id = customerId(event);
  const [erased, strippedResponses, customerCases] = await Promise.all([
    customers.erase(id),
    responses.stripPersonalData(id),
    cases.ofCustomer(id),
  ]);
  for (const item of customerCases) await cases.stripPersonalData(item.id);
  logger.info("customer erased", { responses: strippedResponses, cases: customerCases.length, events: erased.events });
  return json(200, {
    id,
    erased: {
      profile: erased.profile,
      events: erased.events,
      responses: strippedResponses,
      cases: customerCases.length,
    },
  });
}

async function addEvent(event: HttpEvent): Promise<HttpResult> {
  const id = customerId(event);
  const input = parseWith(operationalEventInputSchema, jsonBody(event, MAX_BODY));
  if (!input.ok) throw validationError(input.details);
  const stored = { ...input.value, id: input.value.id ?? ulid(), customerId: id };
  await customers.ensureMinimal(id, new Date());
  const created = await customers.addEvent(stored);
  // A new return or ticket can tip the customer over the threshold; a repeat changes nothing.
  if (created) await assessCustomerRisk(id, `event ${stored.id}`, risk);
  return json(created ? 201 : 200, stored);
}

export const handler = middy<HttpEvent, HttpResult>()
  .use(injectLambdaContext(logger))
  .use(httpErrors(logger))
  .handler(async (event) => {
    if (event.routeKey === ApiRoute.getCustomer) {
      requireScope(event, "read", auth);
      return getCustomer(event);
    }
    if (event.routeKey === ApiRoute.revenueAtRisk) {
      requireScope(event, "read", auth);
      return json(200, revenueAtRisk(await customers.atRisk(), risk.threshold));
    }
    requireScope(event, "admin", auth);
    if (event.routeKey === ApiRoute.putCustomer) return putCustomer(event);
    if (event.routeKey === ApiRoute.customerBatch) return batch(event);
    if (event.routeKey === ApiRoute.deleteCustomer) return eraseCustomer(event);
    return addEvent(event);
  });
