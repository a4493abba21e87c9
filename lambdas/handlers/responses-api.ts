import type { ListCursor } from "../adapters/response-store";
import { whoIs } from "../contracts/auth";
import { openApiDocument } from "../contracts/openapi";
import { notFound } from "../core/client-error";
import { listWindow } from "../core/response-list";
import { apiAuth, now, responseStore } from "./composition-root";
import { decodeCursor, encodeCursor } from "./cursor";
import { httpHandler } from "./http";

const responses = responseStore();

export const handler = httpHandler<"responses-api">(
  {
    getOpenApi: async () => ({ status: 200, body: openApiDocument() }),
    getMe: async ({ caller }) => ({ status: 200, body: whoIs(caller) }),
    getResponse: async ({ path }) => {
      const stored = await responses.get(path.id);
      if (!stored) throw notFound(`no response ${path.id}; it may still be in the queue`);
      return { status: 200, body: stored };
    },
    listResponses: async ({ query }) => {
      const { limit, customerId, category, theme, cursor } = query;
      const listQuery = { ...listWindow(query, now()), limit, customerId, category, theme };
      const fits = (value: unknown): value is ListCursor => responses.cursorFits(listQuery, value);
      const page = await responses.list({ ...listQuery, cursor: cursor ? decodeCursor(cursor, fits) : undefined });
      return {
        status: 200,
        body: { items: page.items, nextCursor: page.nextCursor ? encodeCursor(page.nextCursor) : null },
      };
    },
  },
  { auth: apiAuth() },
);
