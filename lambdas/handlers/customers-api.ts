import { eraseCustomer, putCustomers, recordOperationalEvent, showCustomer } from "../core/customer-profiles";
import { revenueAtRisk } from "../core/revenue-at-risk";
import {
  apiAuth,
  assessRisk,
  caseStore,
  churnRiskThreshold,
  customerStore,
  newId,
  now,
  responseStore,
} from "./composition-root";
import { httpHandler } from "./http";
import { logger } from "./observability";

const ports = {
  customers: customerStore(),
  responses: responseStore(),
  cases: caseStore(),
  assessRisk,
  threshold: churnRiskThreshold(),
  newId,
  now,
};

export const handler = httpHandler<"customers-api">(
  {
    putCustomer: async ({ path, body }) => {
      const { created, profile } = await ports.customers.put(path.id, body, now());
      return { status: created ? 201 : 200, body: profile };
    },
    putCustomers: async ({ body }) => ({ status: 200, body: await putCustomers(body, ports) }),
    getCustomer: async ({ path, query }) => ({
      status: 200,
      body: await showCustomer(path.id, { everything: query.include === "all" }, ports),
    }),
    eraseCustomer: async ({ path }) => {
      const result = await eraseCustomer(path.id, ports);
      logger.info("customer erased", { ...result.erased });
      return { status: 200, body: result };
    },
    recordCustomerEvent: async ({ path, body }) => {
      const { created, event } = await recordOperationalEvent(path.id, body, ports);
      return { status: created ? 201 : 200, body: event };
    },
    getRevenueAtRisk: async () => ({
      status: 200,
      body: revenueAtRisk(await ports.customers.atRisk(), ports.threshold),
    }),
  },
  { auth: apiAuth() },
);
