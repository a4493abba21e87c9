import { issueKey, listKeys, revokeKey } from "../core/api-keys";
import { apiAuth, keyStore, newId, now, stageKeys } from "./composition-root";
import { httpHandler } from "./http";

const store = keyStore();
const bootstrapKeys = stageKeys();

export const handler = httpHandler<"keys-api">(
  {
    createKey: async ({ body }) => ({ status: 201, body: await issueKey(body, { store, newId, now }) }),
    listKeys: async () => ({ status: 200, body: { items: await listKeys(bootstrapKeys, store), nextCursor: null } }),
    revokeKey: async ({ path }) => ({ status: 200, body: await revokeKey(path.id, store) }),
  },
  { auth: apiAuth() },
);
