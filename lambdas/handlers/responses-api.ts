import type { ListCursor } from "../adapters/response-store";
import { openApiDocument } from "../contracts/openapi";
import { notFound, validationFailed } from "../core/client-error";
import { apiAuth, now, responseStore } from "./composition-root";
import { decodeCursor, encodeCursor } from "./cursor";
import { httpHandler } from "./http";

const responses = responseStore();
const YEAR_MS = 366 * 24 * 3600 * 1000;
const isListCursor = (value: unknown): value is ListCursor => typeof value === "object" && value !== null;

/** A date without a time means the whole day: `to=2026-11-22` includes that day. */
const toInstant = (value: string, endOfDay: boolean) =>
  new Date(value.length === 10 ? `${value}T${endOfDay ? "23:59:59.999" : "00:00:00.000"}Z` : value);

export const handler = httpHandler<"responses-api">(
  {
    getOpenApi: async () => ({ status: 200, body: openApiDocument() }),
    getResponse: async ({ path }) => {
      const stored = await responses.get(path.id);
      if (!stored) throw notFound(`no response ${path.id}; it may still be in the queue`);
      return { status: 200, body: stored.record };
    },
    listResponses: async ({ query }) => {
      const { from, to, limit, customerId, category, cursor } = query;
      const toDate = to ? toInstant(to, true) : now();
      const fromDate = from ? toInstant(from, false) : new Date(toDate.getTime() - YEAR_MS);
      if (fromDate > toDate) throw validationFailed([{ path: "query.from", message: "is after `to`" }]);
      const page = await responses.list({
        from: fromDate,
        to: toDate,
        limit,
        customerId,
        category,
        cursor: cursor ? decodeCursor(cursor, isListCursor) : undefined,
      });
      return {
        status: 200,
        body: { items: page.items, nextCursor: page.nextCursor ? encodeCursor(page.nextCursor) : null },
      };
    },
  },
  { auth: apiAuth() },
);
