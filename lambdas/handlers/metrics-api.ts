import { driversFor, metricsFor } from "../core/metrics-queries";
import { recomputeDays } from "../core/rollup";
import { aggregateStore, apiAuth, minResponses, now, today } from "./composition-root";
import { httpHandler } from "./http";
import { logger } from "./observability";

const ports = { aggregates: aggregateStore(), store: aggregateStore(), today, now, minResponses: minResponses() };

export const handler = httpHandler<"metrics-api">(
  {
    getMetrics: async ({ query }) => ({ status: 200, body: await metricsFor(query, ports) }),
    getDrivers: async ({ query }) => ({ status: 200, body: await driversFor(query, ports) }),
    recomputeMetrics: async ({ body }) => {
      const result = await recomputeDays(body, ports);
      logger.info("metrics recomputed", result);
      return { status: 200, body: result };
    },
  },
  { auth: apiAuth() },
);
