import * as z from "zod";
import { instantSchema } from "./instants";
import type { RouteSpec } from "./routes";

export const exportFormats = ["csv", "jsonl"] as const;
export type ExportFormat = (typeof exportFormats)[number];

/** The longest window one export may cover: the month buckets it walks stay a bounded list. */
export const MAX_EXPORT_DAYS = 3660;

/** How long the download URL of a finished export works; a new GET gives a fresh one (the file lives 7 days). */
export const EXPORT_URL_LIFETIME_SECONDS = 3600;

/** Days an export's file (and its job) is kept; the bucket's lifecycle rule and the item's TTL remove them. */
export const EXPORT_RETENTION_DAYS = 7;

export const exportIdSchema = z.string().regex(/^exp_[0-9A-HJKMNP-TV-Z]{26}$/, "an export id is exp_ and a ULID");

export const exportRequestSchema = z
  .strictObject({
    from: instantSchema.meta({ description: "first submittedAt included" }),
    to: instantSchema.meta({ description: "last submittedAt included" }),
    format: z.enum(exportFormats).meta({ description: "gzip CSV (the documented columns) or gzip JSONL records" }),
  })
  .superRefine((request, ctx) => {
    const span = Date.parse(request.to) - Date.parse(request.from);
    if (span < 0) ctx.addIssue({ code: "custom", path: ["to"], message: "must not be before from" });
    else if (span > MAX_EXPORT_DAYS * 86_400_000)
      ctx.addIssue({ code: "custom", path: ["to"], message: `at most ${MAX_EXPORT_DAYS} days after from` });
  })
  .meta({ id: "ExportRequest" });
export type ExportRequest = z.infer<typeof exportRequestSchema>;

export const exportCreatedSchema = z.object({ id: exportIdSchema }).meta({ id: "ExportCreated" });

export const exportStatuses = ["running", "done", "failed"] as const;
export const exportJobSchema = z
  .object({
    id: exportIdSchema,
    status: z.enum(exportStatuses),
    rows: z.int().min(0).meta({ description: "rows written so far (all of them once done)" }),
    url: z
      .string()
      .nullable()
      .meta({ description: `when done: the gzip file, presigned for ${EXPORT_URL_LIFETIME_SECONDS / 60} minutes` }),
    format: z.enum(exportFormats),
    from: z.string(),
    to: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: "Export" });
export type ExportJobView = z.infer<typeof exportJobSchema>;

/** What the export queue carries: which job, and which part this step writes (the job's `nextPart` when current). */
export const exportStepMessageSchema = z.strictObject({ exportId: exportIdSchema, part: z.int().min(1) });
export type ExportStepMessage = z.infer<typeof exportStepMessageSchema>;

/**
 * The CSV columns, in order. `scale` is `min-max`, `themes` joined with `;`, `attributes` a JSON object; a text
 * cell starting with `=`, `+`, `-`, `@`, tab or CR gets a leading `'` so a spreadsheet shows it rather than runs it.
 */
export const EXPORT_CSV_COLUMNS = [
  "id",
  "type",
  "score",
  "scale",
  "category",
  "comment",
  "sentimentLabel",
  "sentimentScore",
  "themes",
  "survey",
  "channel",
  "touchpoint",
  "stage",
  "customerId",
  "segment",
  "submittedAt",
  "receivedAt",
  "attributes",
] as const;

const byId = z.object({ id: exportIdSchema });

/** The export routes, spread into the route registry (`ROUTES`). */
export const EXPORT_ROUTES = {
  createExport: {
    key: "POST /v1/exports",
    handler: "exports-api",
    tag: "integrations",
    summary: "Export the responses of a window as a gzip file",
    description: `Starts a job and answers at once; the export runs outside the request, a chunk at a time, so any number of responses exports without a timeout. \`jsonl\`: one stored response record a line, as \`GET /v1/responses\` returns them, newest first (\`responses import --from cxloop\` takes it back); \`csv\`: the columns ${EXPORT_CSV_COLUMNS.join(", ")}. Follow it with \`GET /v1/exports/{id}\`.`,
    scope: "admin",
    body: { schema: exportRequestSchema, maxBytes: 1024 },
    responses: { 202: { description: "the job is queued", schema: exportCreatedSchema } },
    errors: {
      400: "body is not JSON",
      413: "body over 1 KB",
      422: "a bad window or format; details name the field",
      503: "queue unavailable; send it again",
    },
  },
  getExport: {
    key: "GET /v1/exports/{id}",
    handler: "exports-api",
    tag: "integrations",
    summary: "An export's progress, and its file once done",
    description: `\`rows\` grows while it runs; once \`done\`, \`url\` is the gzip file, presigned for ${EXPORT_URL_LIFETIME_SECONDS / 60} minutes (ask again for a fresh one). A job that made no progress for two hours is \`failed\`. Jobs and files are kept ${EXPORT_RETENTION_DAYS} days.`,
    scope: "admin",
    path: byId,
    responses: { 200: { description: "the job", schema: exportJobSchema } },
    errors: { 404: "no such export (or older than its retention)", 422: "bad id" },
  },
} as const satisfies Record<string, RouteSpec>;
