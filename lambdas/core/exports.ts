import { createGzip } from "node:zlib";
import {
  EXPORT_CSV_COLUMNS,
  type ExportFormat,
  type ExportJobView,
  type ExportRequest,
  type ExportStepMessage,
} from "../contracts/exports";
import type { ResponseRecord } from "../contracts/record";
import { ClientError, notFound } from "./client-error";

/** An export job as stored: the view's fields, plus where it stopped and the parts written so far. */
export interface ExportJob {
  id: string;
  format: ExportFormat;
  from: string;
  to: string;
  status: "running" | "done";
  rows: number;
  /** The part the next step writes; a message for an older part is a redelivery. */
  nextPart: number;
  /** Where the reader stopped (opaque to the core), or null before the first step. */
  cursor: unknown;
  /** The keys of the parts written, in order: exactly what the file is made of. */
  parts: string[];
  file: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface ExportJobStore {
  create(job: ExportJob): Promise<void>;
  get(id: string): Promise<ExportJob | null>;
  /** Saves a step's progress only if the job still expects `part`: of two deliveries of one step, one wins. */
  advance(
    id: string,
    part: number,
    progress: Pick<ExportJob, "cursor" | "rows" | "parts" | "updatedAt">,
  ): Promise<boolean>;
  /** Marks the job done with its file, under the same condition. */
  finish(id: string, part: number, result: Pick<ExportJob, "rows" | "parts" | "file" | "updatedAt">): Promise<boolean>;
}
export interface ExportReader {
  /** The next page of the window, newest first, from `cursor` (null: the start). */
  page(window: { from: Date; to: Date }, cursor: unknown): Promise<{ items: ResponseRecord[]; next: unknown }>;
}
export interface ExportFiles {
  putPart(key: string, gzip: Buffer): Promise<void>;
  /** Writes the parts, in order, as one object: gzip members concatenated are one valid gzip stream. */
  combine(parts: readonly string[], into: string): Promise<void>;
  url(key: string, fileName: string): Promise<string>;
}
export interface ExportQueue {
  send(message: ExportStepMessage): Promise<void>;
}

/** A running job with no progress for this long has died (its messages dead-lettered); it reads as failed. */
export const EXPORT_STALL_MS = 2 * 3600_000;
/** A step stops at this much uncompressed text too, so its part stays well inside the function's memory. */
const MAX_STEP_BYTES = 64 * 1024 * 1024;

export async function createExport(
  request: ExportRequest,
  ports: { jobs: ExportJobStore; queue: ExportQueue; newId: () => string; now: () => Date },
): Promise<{ id: string }> {
  const at = ports.now().toISOString();
  const id = `exp_${ports.newId()}`;
  await ports.jobs.create({
    id,
    format: request.format,
    from: new Date(request.from).toISOString(),
    to: new Date(request.to).toISOString(),
    status: "running",
    rows: 0,
    nextPart: 1,
    cursor: null,
    parts: [],
    file: null,
    createdAt: at,
    updatedAt: at,
  });
  try {
    await ports.queue.send({ exportId: id, part: 1 });
  } catch {
    // The job item without its first message would never run: the caller retries (a new job; the orphan expires).
    throw new ClientError("unavailable", "the export could not be queued; send it again", [], { "retry-after": "5" });
  }
  return { id };
}

export async function viewExport(
  id: string,
  ports: { jobs: ExportJobStore; files: ExportFiles; now: () => Date },
): Promise<ExportJobView> {
  const job = await ports.jobs.get(id);
  if (!job) throw notFound(`no export ${id}`);
  const stalled = job.status === "running" && ports.now().getTime() - Date.parse(job.updatedAt) > EXPORT_STALL_MS;
  const url = job.status === "done" && job.file ? await ports.files.url(job.file, `${job.id}.${job.format}.gz`) : null;
  return {
    id: job.id,
    status: stalled ? "failed" : job.status,
    rows: job.rows,
    url,
    format: job.format,
    from: job.from,
    to: job.to,
    createdAt: job.createdAt,
    updatedAt: job.updatedAt,
  };
}

export type StepResult = "unknown-job" | "finished-already" | "redelivered" | "continued" | "done" | "lost-race";

/**
 * One step of a job: reads pages from where the job stopped until `budgetMs` has passed, writes them as one gzip
 * part under a key of its own, then saves the cursor (conditional on the part number) and queues the next step,
 * or combines the parts and marks the job done. A redelivered step loses the condition and its part is never
 * listed, so no row is written twice; a step whose successor was never queued (a crash between save and send) is
 * healed by its redelivery queueing it again.
 */
export async function runExportStep(
  message: ExportStepMessage,
  ports: {
    jobs: ExportJobStore;
    reader: ExportReader;
    files: ExportFiles;
    queue: ExportQueue;
    now: () => Date;
    newId: () => string;
    budgetMs: number;
  },
): Promise<StepResult> {
  const job = await ports.jobs.get(message.exportId);
  if (!job) return "unknown-job";
  if (job.status !== "running") return "finished-already";
  if (message.part !== job.nextPart) {
    if (message.part === job.nextPart - 1) await ports.queue.send({ exportId: job.id, part: job.nextPart });
    return "redelivered";
  }

  const started = ports.now().getTime();
  const gzip = createGzip();
  const chunks: Buffer[] = [];
  gzip.on("data", (chunk: Buffer) => chunks.push(chunk));
  const ended = new Promise<void>((resolve, reject) => {
    gzip.on("end", resolve);
    gzip.on("error", reject);
  });
  const write = (text: string) =>
    new Promise<void>((resolve) => (gzip.write(text) ? resolve() : gzip.once("drain", resolve)));
  if (message.part === 1 && job.format === "csv") await write(`${EXPORT_CSV_COLUMNS.join(",")}\r\n`);

  const window = { from: new Date(job.from), to: new Date(job.to) };
  let cursor = job.cursor;
  let rows = 0;
  let bytes = 0;
  do {
    const page = await ports.reader.page(window, cursor);
    const text = page.items.map(job.format === "csv" ? csvLine : jsonLine).join("");
    await write(text);
    rows += page.items.length;
    bytes += text.length;
    cursor = page.next;
  } while (cursor !== null && ports.now().getTime() - started < ports.budgetMs && bytes < MAX_STEP_BYTES);
  gzip.end();
  await ended;

  const key = `exports/${job.id}/parts/${String(message.part).padStart(5, "0")}-${ports.newId()}.gz`;
  await ports.files.putPart(key, Buffer.concat(chunks));
  const parts = [...job.parts, key];
  const progress = { rows: job.rows + rows, parts, updatedAt: ports.now().toISOString() };
  if (cursor !== null) {
    if (!(await ports.jobs.advance(job.id, message.part, { ...progress, cursor }))) return "lost-race";
    await ports.queue.send({ exportId: job.id, part: message.part + 1 });
    return "continued";
  }
  const file = `exports/${job.id}/${ports.newId()}.${job.format}.gz`;
  await ports.files.combine(parts, file);
  return (await ports.jobs.finish(job.id, message.part, { ...progress, file })) ? "done" : "lost-race";
}

/** One JSONL line: the stored record exactly as the API returns it. */
export const jsonLine = (record: ResponseRecord) => `${JSON.stringify(record)}\n`;

/** Text a spreadsheet would run as a formula (OWASP's CSV injection list) gets a leading apostrophe. */
const FORMULA_START = /^[=+\-@\t\r]/;

function cell(value: string | number | null | undefined, text = false): string {
  if (value === null || value === undefined) return "";
  let out = String(value);
  if (text && FORMULA_START.test(out)) out = `'${out}`;
  return /[",\r\n]/.test(out) ? `"${out.replace(/"/g, '""')}"` : out;
}

/** One CSV row (RFC 4180, CRLF) in the documented column order. */
export function csvLine(record: ResponseRecord): string {
  const values: Record<(typeof EXPORT_CSV_COLUMNS)[number], string> = {
    id: cell(record.id),
    type: cell(record.type),
    score: cell(record.score),
    scale: record.scale ? cell(`${record.scale.min}-${record.scale.max}`) : "",
    category: cell(record.category),
    comment: cell(record.comment, true),
    sentimentLabel: cell(record.sentiment?.label),
    sentimentScore: cell(record.sentiment?.score),
    themes: cell(record.themes.join(";"), true),
    survey: cell(record.survey, true),
    channel: cell(record.channel),
    touchpoint: cell(record.touchpoint, true),
    stage: cell(record.stage),
    customerId: cell(record.customer?.id, true),
    segment: cell(record.customer?.segment, true),
    submittedAt: cell(record.submittedAt),
    receivedAt: cell(record.receivedAt),
    attributes: cell(JSON.stringify(record.attributes)),
  };
  return `${EXPORT_CSV_COLUMNS.map((column) => values[column]).join(",")}\r\n`;
}
