import { enpsFor } from "../core/enps";
import { kpisFor } from "../core/kpis";
import { driversFor, metricsFor } from "../core/metrics-queries";
import { recomputeDays } from "../core/rollup";
import { aggregateStore, apiAuth, kpiPorts, minResponses, now, today } from "./composition-root";
import { httpHandler } from "./http";
import { logger } from "./observability";

const ports = { aggregates: aggregateStore(), store: aggregateStore(), today, now, minResponses: minResponses() };
const kpis = kpiPorts();

export const handler = httpHandler<"metrics-api">(
  {
    getMetrics: async ({ query }) => ({ status: 200, body: await metricsFor(query, ports) }),
    getDrivers: async ({ query }) => ({ status: 200, body: await driversFor(query, ports) }),
    getEnps: async ({ query }) => ({ status: 200, body: await enpsFor(query, ports) }),
    getKpis: async ({ query }) => ({ status: 200, body: await kpisFor(query, kpis) }),
    recomputeMetrics: async ({ body }) => {
      const result = await recomputeDays(body, ports);
      logger.info("metrics recomputed", result);
      return { status: 200, body: result };
    },
  },
  { auth: apiAuth() },
);
