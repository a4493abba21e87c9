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
import { parse } from "csv-parse";
import { MAX_CUSTOMER_BATCH } from "../../lambdas/contracts/customers";

/** One row of the file as a customer record, with the line it came from (for the error report). */
interface Row {
  line: number;
  customer: Record<string, unknown>;
}

const NUMBER_FIELDS = new Set(["annualValue"]);
const PROFILE_COLUMNS = new Set([
  "id",
  "email",
  "name",
  "segment",
  "plan",
  "annualValue",
  "currency",
  "customerSince",
  "renewalDate",
  "owner",
]);
const IN_FLIGHT = 4;

/** A CSV row: known columns become fields, `attr.<name>` columns become attributes, empty cells are left out. */
function fromCsv(record: Record<string, string>): Record<string, unknown> {
  const customer: Record<string, unknown> = {};
  const attributes: Record<string, string | number> = {};
  for (const [column, raw] of Object.entries(record)) {
    const value = raw.trim();
    if (value === "") continue;
    if (column.startsWith("attr.")) attributes[column.slice(5)] = value;
    else if (PROFILE_COLUMNS.has(column))
      customer[column] =
        NUMBER_FIELDS.has(column) && value !== "" && !Number.isNaN(Number(value)) ? Number(value) : value;
    else customer[column] = value;
  }
  if (Object.keys(attributes).length) customer.attributes = attributes;
  return customer;
}

async function* rows(file: string, onBytes: (bytesRead: number) => void): AsyncGenerator<Row> {
  const stream = createReadStream(file);
  // Read the position rather than listening for data: a listener would switch off backpressure.
  const reportBytes = () => onBytes(stream.bytesRead);
  if (file.endsWith(".jsonl") || file.endsWith(".ndjson")) {
    let line = 0;
    for await (const text of createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY })) {
      line += 1;
      reportBytes();
      if (text.trim() === "") continue;
      let customer: Record<string, unknown>;
      try {
        customer = JSON.parse(text) as Record<string, unknown>;
      } catch {
        customer = { __invalid: "line is not valid JSON" };
      }
      yield { line, customer };
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
      on_record: (record: Record<string, string>, context) => ({ line: context.lines, record }),
    }),
  );
  for await (const { line, record } of parser as AsyncIterable<{ line: number; record: Record<string, string> }>) {
    reportBytes();
    yield { line, customer: fromCsv(record) };
  }
}

export interface ImportOptions {
  file: string;
  endpoint: string;
  key: string;
  restart: boolean;
  log: (line: string) => void;
  progress: (line: string) => void;
}

export interface ImportSummary {
  rows: number;
  skippedFromLastRun: number;
  created: number;
  updated: number;
  rejected: number;
  seconds: number;
  peakRssMb: number;
  errorReport: string | null;
}

/**
 * Streams a CSV or JSONL file into `POST /v1/customers/batch`, 100 rows per call,
 * a few calls in flight. Memory stays bounded (only the batches in flight are held);
 * rejected rows go to `<file>.errors.jsonl` with their line numbers; progress is
 * checkpointed in `<file>.import-state.json`, so a rerun continues where it stopped.
 */
export async function importCustomers(options: ImportOptions): Promise<ImportSummary> {
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
  const summary = { rows: 0, skippedFromLastRun: 0, created: 0, updated: 0, rejected: 0 };
  // Batches complete out of order; the checkpoint only moves past lines whose batch and every earlier batch are done.
  const pending: { lastLine: number; done: boolean }[] = [];
  const inFlight = new Set<Promise<void>>();

  const send = async (batch: Row[], slot: { lastLine: number; done: boolean }) => {
    for (let attempt = 1; ; attempt++) {
      const answer = await fetch(`${options.endpoint}/v1/customers/batch`, {
        method: "POST",
        headers: { authorization: `Bearer ${options.key}`, "content-type": "application/json" },
        body: JSON.stringify({ customers: batch.map((row) => row.customer) }),
      }).catch((error: Error) => ({ ok: false, status: 0, text: async () => error.message }) as const);
      if (answer.ok) {
        const body = (await (answer as Response).json()) as {
          results: { index: number; status: string; error?: { details: { path: string; message: string }[] } }[];
        };
        for (const result of body.results) {
          const row = batch[result.index] as Row;
          if (result.status === "created") summary.created += 1;
          else if (result.status === "updated") summary.updated += 1;
          else {
            summary.rejected += 1;
            const errors = (result.error?.details ?? []).map((d) => ({
              ...d,
              path: d.path.replace(/^customers\.\d+\.?/, "") || "row",
            }));
            appendFileSync(errorFile, `${JSON.stringify({ line: row.line, id: row.customer.id ?? null, errors })}\n`);
          }
        }
        break;
      }
      if (answer.status !== 0 && answer.status < 500 && answer.status !== 429)
        throw new Error(`the API refused a batch (${answer.status}): ${await answer.text()}`);
      if (attempt >= 5)
        throw new Error(`the API kept failing (${answer.status}); run the same command again to resume`);
      await new Promise((resolve) => setTimeout(resolve, 500 * 2 ** attempt));
    }
    slot.done = true;
    let checkpoint = 0;
    while (pending[0]?.done) checkpoint = (pending.shift() as { lastLine: number }).lastLine;
    if (checkpoint) writeFileSync(stateFile, JSON.stringify({ line: checkpoint }));
  };

  const flush = async (batch: Row[]) => {
    const slot = { lastLine: (batch.at(-1) as Row).line, done: false };
    pending.push(slot);
    const sending = send(batch, slot).finally(() => inFlight.delete(sending));
    inFlight.add(sending);
    if (inFlight.size >= IN_FLIGHT) await Promise.race(inFlight);
  };

  let batch: Row[] = [];
  let lastReport = 0;
  for await (const row of rows(options.file, (position) => (bytesRead = position))) {
    if (row.line <= resumeAfter) {
      summary.skippedFromLastRun += 1;
      continue;
    }
    summary.rows += 1;
    batch.push(row);
    if (batch.length === MAX_CUSTOMER_BATCH) {
      await flush(batch);
      batch = [];
    }
    if (Date.now() - lastReport > 250) {
      lastReport = Date.now();
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
      const percent = Math.min(100, (100 * bytesRead) / Math.max(1, totalBytes));
      const filled = Math.round(percent / 4);
      const rate = Math.round(summary.rows / Math.max(0.001, (Date.now() - started) / 1000));
      options.progress(
        `[${"#".repeat(filled)}${".".repeat(25 - filled)}] ${percent.toFixed(0)}%  ${summary.rows} rows  ${rate}/s  ${summary.rejected} rejected`,
      );
    }
  }
  if (batch.length) await flush(batch);
  await Promise.all(inFlight);
  if (existsSync(stateFile)) unlinkSync(stateFile);
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  return {
    ...summary,
    seconds: Math.round((Date.now() - started) / 100) / 10,
    peakRssMb: Math.round(peakRss / 1024 / 1024),
    errorReport: existsSync(errorFile) ? errorFile : null,
  };
}
