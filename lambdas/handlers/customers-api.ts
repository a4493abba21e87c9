import { listDuplicates, mergeCustomers } from "../core/customer-merge";
import {
  putCustomer,
  putCustomers,
  recordOperationalEvent,
  searchCustomers,
  showCustomer,
} from "../core/customer-profiles";
import { eraseCustomer } from "../core/erasure";
import { revenueAtRisk } from "../core/revenue-at-risk";
import {
  aggregateStore,
  apiAuth,
  assessRisk,
  caseStore,
  churnRiskThreshold,
  customerStore,
  newId,
  now,
  responseStore,
} from "./composition-root";
import { decodeCursor, encodeCursor } from "./cursor";
import { httpHandler } from "./http";
import { logger } from "./observability";

const ports = {
  customers: customerStore(),
  responses: responseStore(),
  cases: caseStore(),
  metrics: aggregateStore(),
  assessRisk,
  threshold: churnRiskThreshold(),
  newId,
  now,
};
/**
 * How long one DELETE moves responses and cases before answering 503 (send it again to continue): the
 * function has 29 s, API Gateway waits 30 s, and the last page and the profile need a few.
 */
const ERASURE_BUDGET_MS = 20_000;
/** The same for a merge, which moves the same records (and answers 503 the same way). */
const MERGE_BUDGET_MS = ERASURE_BUDGET_MS;
const duplicatePorts = {
  duplicates: { groups: ports.customers.duplicateGroups.bind(ports.customers) },
  customers: ports.customers,
};

export const handler = httpHandler<"customers-api">(
  {
    putCustomer: async ({ path, body }) => {
      const { created, profile } = await putCustomer(path.id, body, ports);
      return { status: created ? 201 : 200, body: profile };
    },
    putCustomers: async ({ body }) => ({ status: 200, body: await putCustomers(body, ports) }),
    getCustomer: async ({ path }) => ({ status: 200, body: await showCustomer(path.id, { everything: false }, ports) }),
    exportCustomer: async ({ path }) => ({
      status: 200,
      body: await showCustomer(path.id, { everything: true }, ports),
      headers: { "content-disposition": `attachment; filename="customer-${path.id}.json"` },
    }),
    searchCustomers: async ({ query }) => ({ status: 200, body: await searchCustomers(query.q, ports) }),
    eraseCustomer: async ({ path, caller }) => {
      const deadline = Date.now() + ERASURE_BUDGET_MS;
      const result = await eraseCustomer(path.id, caller.name, ports, () => Date.now() < deadline);
      logger.info("customer erased", { ...result.erased });
      return { status: 200, body: result };
    },
    recordCustomerEvent: async ({ path, body }) => {
      const { created, event } = await recordOperationalEvent(path.id, body, ports);
      return { status: created ? 201 : 200, body: event };
    },
    listCustomerDuplicates: async ({ query }) => {
      const fits = (value: unknown) => ports.customers.duplicateCursorFits(value);
      const cursor = query.cursor ? decodeCursor(query.cursor, fits) : undefined;
      const page = await listDuplicates({ limit: query.limit, cursor }, duplicatePorts);
      return {
        status: 200,
        body: { items: page.items, nextCursor: page.nextCursor ? encodeCursor(page.nextCursor) : null },
      };
    },
    mergeCustomer: async ({ path, body, caller }) => {
      const deadline = Date.now() + MERGE_BUDGET_MS;
      const result = await mergeCustomers(path.id, body.from, caller.name, ports, () => Date.now() < deadline);
      logger.info("customers merged", { ...result.moved });
      return { status: 200, body: result };
    },
    getRevenueAtRisk: async () => ({
      status: 200,
      body: revenueAtRisk(await ports.customers.atRisk(), ports.threshold),
    }),
  },
  { auth: apiAuth() },
);
