import { createExport, viewExport } from "../core/exports";
import { apiAuth, exportFiles, exportJobs, exportQueue, newId, now } from "./composition-root";
import { httpHandler } from "./http";

const jobs = exportJobs();
const queue = exportQueue();
const files = exportFiles();

export const handler = httpHandler<"exports-api">(
  {
    createExport: async ({ body }) => ({ status: 202, body: await createExport(body, { jobs, queue, newId, now }) }),
    getExport: async ({ path }) => ({ status: 200, body: await viewExport(path.id, { jobs, files, now }) }),
  },
  { auth: apiAuth() },
);
