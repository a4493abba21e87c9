import { MAX_CUSTOMER_BATCH } from "../../lambdas/contracts/customers";
import { postBatch, readRecords, runBatchImport } from "./batch-import";

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
  seconds: number;
  peakRssMb: number;
  errorReport: string | null;
}

/**
 * Streams a CSV or JSONL file of profiles into `POST /v1/customers/batch`, 100 rows per call (see
 * `runBatchImport`: bounded memory, an error report with line numbers, resume).
 */
export async function importCustomers(options: ImportOptions): Promise<ImportSummary> {
  const summary = await runBatchImport({
    ...options,
    batchSize: MAX_CUSTOMER_BATCH,
    rows: async function* (onBytes) {
      for await (const { line, record, unreadable } of readRecords(options.file, onBytes)) {
        const customer = unreadable
          ? { __invalid: unreadable }
          : /\.(jsonl|ndjson|json)$/.test(options.file)
            ? (record as Record<string, unknown>)
            : fromCsv(record as Record<string, string>);
        yield { line, bodies: [customer], problems: [] };
      }
    },
    send: (customers) => postBatch(options, "/v1/customers/batch", "customers", customers),
  });
  const { outcomes, ...rest } = summary;
  return {
    rows: rest.rows,
    skippedFromLastRun: rest.skippedFromLastRun,
    created: outcomes.created ?? 0,
    updated: outcomes.updated ?? 0,
    rejected: rest.rejected,
    seconds: rest.seconds,
    peakRssMb: rest.peakRssMb,
    errorReport: rest.errorReport,
  };
}
