import { appendFileSync, existsSync, unlinkSync } from "node:fs";
import { MAX_CUSTOMER_BATCH } from "../../lambdas/contracts/customers";
import { duplicateKeys } from "../../lambdas/core/customer-merge";
import { type ImportRow, postBatch, readRecords, runBatchImport, type SourceRecord } from "./batch-import";

const NUMBER_FIELDS = new Set(["annualValue"]);
const PROFILE_COLUMNS = new Set([
  "id",
  "email",
  "name",
  "phone",
  "segment",
  "plan",
  "annualValue",
  "currency",
  "customerSince",
  "renewalDate",
  "owner",
]);

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
  /** Rows imported that are likely another profile (in the file or already stored): same email, or name and phone. */
  duplicates: number;
  seconds: number;
  peakRssMb: number;
  errorReport: string | null;
  duplicateReport: string | null;
}

/** Rows whose duplicate keys the import remembers to find duplicates within the file; past it, the API's answer still tells. */
const MAX_TRACKED_KEYS = 1_000_000;

/** A CSV row with fewer (or more) fields than its header is refused, not imported with what it has. */
function misfitProblem({ fields, columns, missing }: NonNullable<SourceRecord["misfit"]>) {
  const message =
    fields < columns
      ? `has ${fields} fields, its header ${columns}: ${missing.join(", ")} missing (a comma too few, or a line break in an unquoted field?)`
      : `has ${fields} fields, its header ${columns} (an unquoted comma?)`;
  return [{ path: "row", message }];
}

/**
 * Likely duplicates within the file: the first row (id) seen with each duplicate key, as a short hash. A row whose
 * key an earlier row with another id had is reported with it, next to what the API says of stored profiles.
 */
function fileDuplicates() {
  const firstIdByKey = new Map<string, string>();
  return (customer: Record<string, unknown>): string[] => {
    const { id, email, name, phone } = customer;
    if (typeof id !== "string") return [];
    const text = (value: unknown) => (typeof value === "string" && value !== "" ? value : undefined);
    const found = new Set<string>();
    for (const { key } of duplicateKeys({ email: text(email), name: text(name), phone: text(phone) })) {
      const short = key.slice(0, 28);
      const first = firstIdByKey.get(short);
      if (first === undefined) {
        if (firstIdByKey.size < MAX_TRACKED_KEYS) firstIdByKey.set(short, id);
      } else if (first !== id) found.add(first);
    }
    return [...found];
  };
}

/**
 * Streams a CSV or JSONL file of profiles into `POST /v1/customers/batch`, 100 rows per call (see
 * `runBatchImport`: bounded memory, an error report with line numbers, resume).
 */
export async function importCustomers(options: ImportOptions): Promise<ImportSummary> {
  const duplicateFile = `${options.file}.duplicates.jsonl`;
  // Started afresh exactly when the batch import starts afresh (no checkpoint, or --restart), so a resumed run appends.
  if ((options.restart || !existsSync(`${options.file}.import-state.json`)) && existsSync(duplicateFile))
    unlinkSync(duplicateFile);
  const inFile = fileDuplicates();
  const earlierRows = new Map<number, string[]>();
  let duplicates = 0;
  const summary = await runBatchImport({
    ...options,
    batchSize: MAX_CUSTOMER_BATCH,
    rows: async function* (onBytes): AsyncIterable<ImportRow> {
      for await (const { line, record, unreadable, misfit } of readRecords(options.file, onBytes)) {
        const customer = unreadable
          ? { __invalid: unreadable }
          : /\.(jsonl|ndjson|json)$/.test(options.file)
            ? (record as Record<string, unknown>)
            : fromCsv(record as Record<string, string>);
        if (misfit) {
          yield { line, id: customer.id, bodies: [], problems: misfitProblem(misfit) };
          continue;
        }
        const earlier = inFile(customer);
        if (earlier.length) earlierRows.set(line, earlier);
        yield { line, bodies: [customer], problems: [] };
      }
    },
    send: (customers) => postBatch(options, "/v1/customers/batch", "customers", customers),
    onAccepted: (row, body, outcome) => {
      const found = new Set([...(earlierRows.get(row.line) ?? []), ...(outcome.duplicateOf ?? [])]);
      earlierRows.delete(row.line);
      found.delete(String(body.id));
      if (found.size === 0) return;
      duplicates += 1;
      appendFileSync(
        duplicateFile,
        `${JSON.stringify({ line: row.line, id: body.id, duplicateOf: [...found].sort() })}\n`,
      );
    },
  });
  const { outcomes, ...rest } = summary;
  return {
    rows: rest.rows,
    skippedFromLastRun: rest.skippedFromLastRun,
    created: outcomes.created ?? 0,
    updated: outcomes.updated ?? 0,
    rejected: rest.rejected,
    duplicates,
    seconds: rest.seconds,
    peakRssMb: rest.peakRssMb,
    errorReport: rest.errorReport,
    duplicateReport: existsSync(duplicateFile) ? duplicateFile : null,
  };
}
