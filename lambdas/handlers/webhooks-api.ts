import { isLogCursor } from "../adapters/webhook-store";
import {
  createWebhook,
  deleteWebhook,
  enableWebhook,
  findWebhook,
  queuePing,
  rotateSecret,
  summaryOf,
} from "../core/webhooks";
import {
  apiAuth,
  newId,
  now,
  webhookAllowLoopback,
  webhookDeliveryLog,
  webhookQueue,
  webhookStore,
} from "./composition-root";
import { decodeCursor, encodeCursor } from "./cursor";
import { httpHandler } from "./http";

const store = webhookStore();
const log = webhookDeliveryLog();
const allowLoopback = webhookAllowLoopback();

export const handler = httpHandler<"webhooks-api">(
  {
    createWebhook: async ({ body }) => ({
      status: 201,
      body: await createWebhook(body, { store, newId, now, allowLoopback }),
    }),
    listWebhooks: async () => ({
      status: 200,
      body: { items: (await store.list()).map(summaryOf), nextCursor: null },
    }),
    getWebhook: async ({ path }) => ({ status: 200, body: summaryOf(await findWebhook(path.id, store)) }),
    deleteWebhook: async ({ path }) => ({ status: 200, body: await deleteWebhook(path.id, store) }),
    rotateWebhookSecret: async ({ path }) => ({ status: 200, body: await rotateSecret(path.id, { store, now }) }),
    enableWebhook: async ({ path }) => ({ status: 200, body: await enableWebhook(path.id, store) }),
    // The queue is read on first use: only the ping needs it.
    testWebhook: async ({ path }) => ({
      status: 202,
      body: await queuePing(path.id, { store, now, newId, queue: webhookQueue() }),
    }),
    listWebhookDeliveries: async ({ path, query }) => {
      await findWebhook(path.id, store);
      const cursor = query.cursor === undefined ? undefined : decodeCursor(query.cursor, isLogCursor);
      const page = await log.list(path.id, query.limit, cursor);
      return { status: 200, body: { items: page.items, nextCursor: page.next && encodeCursor(page.next) } };
    },
  },
  { auth: apiAuth() },
);
