import {
  appendFileSync,
  createReadStream,
  existsSync,
  readFileSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { createInterface } from "node:readline";
import { createGunzip, gunzipSync } from "node:zlib";
import { type InfoRecord, parse } from "csv-parse";
import type { ErrorDetail } from "../../lambdas/contracts/errors";

/** One record of an input file with the line it starts on (CSV lines count the header as line 1). */
export interface SourceRecord {
  line: number;
  /** A CSV row by header, or a parsed JSON value. */
  record: unknown;
  /** Why the line could not be read at all. */
  unreadable?: string;
  /**
   * A CSV row with more or fewer fields than its header has columns: the parser still gives it (missing columns
   * absent, extra fields dropped), so each command decides; `missing` names the columns it lacks.
   */
  misfit?: { fields: number; columns: number; missing: string[] };
}

/**
 * The records of a CSV, JSONL (`.jsonl`, `.ndjson`) or JSON (`.json`: an array, or an object whose `data` array holds
 * them, as APIs page) file, streamed where the format allows; each may be gzipped (`.gz`, as `POST /v1/exports`
 * writes them). `onBytes` is told how far the file (as stored, compressed or not) has been read.
 */
export async function* readRecords(file: string, onBytes: (bytesRead: number) => void): AsyncGenerator<SourceRecord> {
  const gzipped = file.endsWith(".gz");
  const format = gzipped ? file.slice(0, -".gz".length) : file;
  if (format.endsWith(".json")) {
    const bytes = readFileSync(file);
    yield* jsonRecords((gzipped ? gunzipSync(bytes) : bytes).toString("utf8"));
    onBytes(statSync(file).size);
    return;
  }
  const raw = createReadStream(file);
  const stream = gzipped ? raw.pipe(createGunzip()) : raw;
  // Read the position rather than listening for data: a listener would switch off backpressure.
  const reportBytes = () => onBytes(raw.bytesRead);
  if (format.endsWith(".jsonl") || format.endsWith(".ndjson")) {
    let line = 0;
    for await (const text of createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY })) {
      line += 1;
      reportBytes();
      if (text.trim() === "") continue;
      try {
        yield { line, record: JSON.parse(text) as unknown };
      } catch {
        yield { line, record: null, unreadable: "line is not valid JSON" };
      }
    }
    return;
  }
  const parser = stream.pipe(
    parse({
      columns: true,
      skip_empty_lines: true,
      relax_column_count: true,
      bom: true,
      // The line is taken as each record is parsed: the parser runs ahead of this loop.
      on_record: (record: Record<string, string>, context) => ({
        line: context.lines,
        record,
        misfit: context.error?.code === "CSV_RECORD_INCONSISTENT_COLUMNS" ? misfitOf(record, context) : undefined,
      }),
    }),
  );
  for await (const { line, record, misfit } of parser as AsyncIterable<
    Omit<SourceRecord, "record"> & {
      record: Record<string, string>;
    }
  >) {
    reportBytes();
    yield misfit ? { line, record, misfit } : { line, record };
  }
}

/** How a CSV row misses its header: with `relax_column_count` the parser says so in the record's context. */
function misfitOf(record: Record<string, string>, context: InfoRecord): SourceRecord["misfit"] {
  // Both are there at run time, the header's columns and the row's own fields, though the types omit them.
  const { columns, error } = context as unknown as { columns?: unknown; error?: { record?: unknown } };
  const names = Array.isArray(columns) ? columns.map((column: { name?: unknown }) => String(column.name)) : [];
  const fields = Array.isArray(error?.record) ? error.record.length : Object.keys(record).length;
  return { fields, columns: names.length, missing: names.filter((name) => !(name in record)) };
}

/**
 * The elements of a JSON document's record array with the line each starts on: a scan for the objects directly
 * inside the top array (or the top object's array), so an error report can point into a pretty-printed file.
 */
function* jsonRecords(text: string): Generator<SourceRecord> {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    yield { line: 1, record: null, unreadable: `not valid JSON: ${(error as Error).message}` };
    return;
  }
  const records = Array.isArray(document)
    ? document
    : ((document as { data?: unknown; survey_responses?: unknown } | null)?.data ?? []);
  if (!Array.isArray(records)) {
    yield { line: 1, record: null, unreadable: "expected an array of records, or an object with a data array" };
    return;
  }
  const starts: number[] = [];
  const containers: string[] = [];
  let line = 1;
  let inString = false;
  for (let at = 0; at < text.length; at++) {
    const char = text[at];
    if (char === "\n") line += 1;
    else if (inString) {
      if (char === "\\") at += 1;
      else if (char === '"') inString = false;
    } else if (char === '"') inString = true;
    else if (char === "[" || char === "{") {
      const path = containers.join("");
      if (path === "[" || path === "{[") starts.push(line);
      containers.push(char);
    } else if (char === "]" || char === "}") containers.pop();
  }
  for (const [index, record] of records.entries()) yield { line: starts[index] ?? 1, record };
}

/** A record ready to send: the bodies it became, and what kept it (or part of it) from becoming one. */
export interface ImportRow {
  line: number;
  /** The row's id, for the error report when it became no body. */
  id?: unknown;
  bodies: Record<string, unknown>[];
  problems: ErrorDetail[];
}

/** A batch API's answer for one item. */
export type ItemOutcome = {
  status: string;
  error?: { details?: ErrorDetail[]; message?: string };
  /** Other records the API found this one likely duplicates (customer profiles). */
  duplicateOf?: string[];
};

export interface BatchImportOptions {
  file: string;
  restart: boolean;
  rows: (onBytes: (bytesRead: number) => void) => AsyncIterable<ImportRow>;
  /** Most bodies per call; a record's bodies are never split over two calls, so a checkpoint is a whole line. */
  batchSize: number;
  send: (bodies: Record<string, unknown>[]) => Promise<ItemOutcome[]>;
  /** Told each body the API took, with its answer, in file order within a batch. */
  onAccepted?: (row: ImportRow, body: Record<string, unknown>, outcome: ItemOutcome) => void;
  log: (line: string) => void;
  progress: (line: string) => void;
}

export interface BatchImportSummary {
  rows: number;
  skippedFromLastRun: number;
  /** Items by the status the API answered, `rejected` included; rows refused before sending count as rejected. */
  outcomes: Record<string, number>;
  rejected: number;
  seconds: number;
  peakRssMb: number;
  errorReport: string | null;
}

const IN_FLIGHT = 4;

/**
 * Streams rows into a batch API, a few calls in flight. Memory stays bounded (only the batches in flight are
 * held); rejected rows go to `<file>.errors.jsonl` with their line numbers; progress is checkpointed in
 * `<file>.import-state.json`, so a rerun continues where it stopped.
 */
export async function runBatchImport(options: BatchImportOptions): Promise<BatchImportSummary> {
  if (!existsSync(options.file)) throw new Error(`no such file: ${options.file}`);
  const started = Date.now();
  const stateFile = `${options.file}.import-state.json`;
  const errorFile = `${options.file}.errors.jsonl`;
  if (options.restart || !existsSync(stateFile)) {
    if (existsSync(errorFile)) unlinkSync(errorFile);
    if (existsSync(stateFile)) unlinkSync(stateFile);
  }
  const resumeAfter = existsSync(stateFile)
    ? (JSON.parse(readFileSync(stateFile, "utf8")) as { line: number }).line
    : 0;
  if (resumeAfter > 0) options.log(`resuming after line ${resumeAfter} (use --restart to start over)`);

  const totalBytes = statSync(options.file).size;
  let bytesRead = 0;
  let peakRss = process.memoryUsage().rss;
  const outcomes: Record<string, number> = {};
  const count = (status: string, by = 1) => {
    outcomes[status] = (outcomes[status] ?? 0) + by;
  };
  let rowCount = 0;
  let skippedFromLastRun = 0;
  const report = (line: number, id: unknown, errors: ErrorDetail[]) =>
    appendFileSync(errorFile, `${JSON.stringify({ line, id: id ?? null, errors })}\n`);
  // Batches complete out of order; the checkpoint only moves past lines whose batch and every earlier batch are done.
  const pending: { lastLine: number; done: boolean }[] = [];
  const inFlight = new Set<Promise<void>>();

  const send = async (batch: ImportRow[], slot: { lastLine: number; done: boolean }) => {
    const bodies = batch.flatMap((row) => row.bodies);
    const answers = bodies.length ? await options.send(bodies) : [];
    let position = 0;
    for (const row of batch) {
      if (row.problems.length) {
        count("rejected");
        report(row.line, row.id ?? row.bodies[0]?.id, row.problems);
      }
      for (const body of row.bodies) {
        const answer = answers[position++] as ItemOutcome;
        count(answer.status);
        if (answer.status === "rejected") {
          const details = answer.error?.details?.length
            ? answer.error.details
            : [{ path: "row", message: answer.error?.message ?? "rejected" }];
          report(
            row.line,
            body.id,
            details.map((d) => ({ ...d, path: d.path.replace(/^[a-z]+\.\d+\.?/, "") || "row" })),
          );
        } else options.onAccepted?.(row, body, answer);
      }
    }
    slot.done = true;
    let checkpoint = 0;
    while (pending[0]?.done) checkpoint = (pending.shift() as { lastLine: number }).lastLine;
    if (checkpoint) writeFileSync(stateFile, JSON.stringify({ line: checkpoint }));
  };

  const flush = async (batch: ImportRow[]) => {
    const slot = { lastLine: (batch.at(-1) as ImportRow).line, done: false };
    pending.push(slot);
    const sending = send(batch, slot).finally(() => inFlight.delete(sending));
    inFlight.add(sending);
    if (inFlight.size >= IN_FLIGHT) await Promise.race(inFlight);
  };

  let batch: ImportRow[] = [];
  let batchBodies = 0;
  let lastReport = 0;
  for await (const row of options.rows((position) => (bytesRead = position))) {
    if (row.line <= resumeAfter) {
      skippedFromLastRun += 1;
      continue;
    }
    rowCount += 1;
    if (batchBodies + row.bodies.length > options.batchSize && batch.length) {
      await flush(batch);
      batch = [];
      batchBodies = 0;
    }
    batch.push(row);
    batchBodies += row.bodies.length;
    if (Date.now() - lastReport > 250) {
      lastReport = Date.now();
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
      const percent = Math.min(100, (100 * bytesRead) / Math.max(1, totalBytes));
      const filled = Math.round(percent / 4);
      const rate = Math.round(rowCount / Math.max(0.001, (Date.now() - started) / 1000));
      options.progress(
        `[${"#".repeat(filled)}${".".repeat(25 - filled)}] ${percent.toFixed(0)}%  ${rowCount} rows  ${rate}/s  ${outcomes.rejected ?? 0} rejected`,
      );
    }
  }
  if (batch.length) await flush(batch);
  await Promise.all(inFlight);
  if (existsSync(stateFile)) unlinkSync(stateFile);
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  return {
    rows: rowCount,
    skippedFromLastRun,
    outcomes,
    rejected: outcomes.rejected ?? 0,
    seconds: Math.round((Date.now() - started) / 100) / 10,
    peakRssMb: Math.round(peakRss / 1024 / 1024),
    errorReport: existsSync(errorFile) ? errorFile : null,
  };
}

/**
 * Posts `{[envelope]: bodies}` to a batch route and answers its per-item results in order. A fault or 429 is
 * retried with backoff; a 4xx stops the import (the same call would fail again), and so do five failures.
 */
export async function postBatch(
  target: { endpoint: string; key: string },
  path: string,
  envelope: string,
  bodies: unknown[],
): Promise<ItemOutcome[]> {
  for (let attempt = 1; ; attempt++) {
    const answer = await fetch(`${target.endpoint}${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${target.key}`, "content-type": "application/json" },
      body: JSON.stringify({ [envelope]: bodies }),
    }).catch((error: Error) => ({ ok: false, status: 0, text: async () => error.message }) as const);
    if (answer.ok) {
      const { results } = (await (answer as Response).json()) as { results: (ItemOutcome & { index: number })[] };
      return [...results].sort((a, b) => a.index - b.index);
    }
    if (answer.status !== 0 && answer.status < 500 && answer.status !== 429)
      throw new Error(`the API refused a batch (${answer.status}): ${await answer.text()}`);
    if (attempt >= 5) throw new Error(`the API kept failing (${answer.status}); run the same command again to resume`);
    await new Promise((resolve) => setTimeout(resolve, 500 * 2 ** attempt));
  }
}
