import type { ResponseRecord } from "../lambdas/contracts/record";
import { type ExportJob, runExportStep } from "../lambdas/core/exports";

/**
 * `npm run bench -- export`: the export job's own work (runExportStep: paging, serialising, gzip, parts,
 * continuations) at 100 k and 1 M responses, against the same code at 100 k as the baseline. The reader makes
 * records in memory and the files only count bytes, so this measures cxloop's path, not DynamoDB or S3: on AWS
 * each page is one Query (about 500 records, ≈ 30 ms) more per page, in proportion to the rows as here.
 */
const PAGE = 500;
/** The Lambda's step budget (lib/constructs/exports.ts gives 60 s); a step also stops at 64 MB of text. */
const STEP_BUDGET_MS = 60_000;
const SIZES = [100_000, 1_000_000] as const;

const themes = ["delivery", "price", "support", "checkout", "quality"];
function recordAt(index: number): ResponseRecord {
  const submittedAt = new Date(Date.UTC(2026, 0, 1) + index * 30_000).toISOString();
  const score = index % 11;
  return {
    id: `bench-${index}`,
    type: "nps",
    score,
    scale: { min: 0, max: 10 },
    category: score >= 9 ? "promoter" : score >= 7 ? "passive" : "detractor",
    comment: index % 3 === 0 ? `The ${themes[index % 5]} was not what I expected, order ${index}.` : null,
    sentiment: index % 3 === 0 ? { label: "negative", score: -0.42 } : null,
    themes: index % 3 === 0 ? [themes[index % 5] as string] : [],
    survey: "post-purchase",
    channel: "email",
    touchpoint: "delivery",
    stage: "own",
    customer: {
      id: `c-${index % 50_000}`,
      segment: "smb",
      plan: "pro",
      annualValue: 1200,
      currency: "EUR",
      renewalDate: null,
    },
    submittedAt,
    receivedAt: submittedAt,
    enrichedAt: submittedAt,
    attributes: { order: index },
    locale: "en",
  };
}

interface ExportRun {
  rows: number;
  ms: number;
  steps: number;
  gzipMb: number;
  peakRssMb: number;
}

async function exportOf(total: number, format: "jsonl" | "csv"): Promise<ExportRun> {
  const now = () => new Date();
  let job: ExportJob = {
    id: "exp_01KBBENCH0000000000000000",
    format,
    from: "2026-01-01T00:00:00.000Z",
    to: "2027-01-01T00:00:00.000Z",
    status: "running",
    rows: 0,
    nextPart: 1,
    cursor: null,
    parts: [],
    file: null,
    createdAt: now().toISOString(),
    updatedAt: now().toISOString(),
  };
  let gzipBytes = 0;
  let peakRss = 0;
  const queue: { exportId: string; part: number }[] = [{ exportId: job.id, part: 1 }];
  const ports = {
    jobs: {
      create: async () => undefined,
      get: async () => job,
      advance: async (
        _id: string,
        part: number,
        progress: Pick<ExportJob, "cursor" | "rows" | "parts" | "updatedAt">,
      ) => {
        job = { ...job, ...progress, nextPart: part + 1 };
        return true;
      },
      finish: async (_id: string, _part: number, result: Pick<ExportJob, "rows" | "parts" | "file" | "updatedAt">) => {
        job = { ...job, ...result, status: "done" };
        return true;
      },
    },
    reader: {
      page: async (_window: unknown, cursor: unknown) => {
        const start = (cursor as number | null) ?? 0;
        const end = Math.min(total, start + PAGE);
        peakRss = Math.max(peakRss, process.memoryUsage().rss);
        return {
          items: Array.from({ length: end - start }, (_, i) => recordAt(start + i)),
          next: end < total ? end : null,
        };
      },
    },
    files: {
      putPart: async (_key: string, gzip: Buffer) => {
        gzipBytes += gzip.byteLength;
      },
      combine: async () => undefined,
      url: async () => "",
    },
    queue: { send: async (message: { exportId: string; part: number }) => void queue.push(message) },
    now,
    newId: () => String(queue.length),
    budgetMs: STEP_BUDGET_MS,
  };
  const started = performance.now();
  let steps = 0;
  for (let message = queue.shift(); message; message = queue.shift()) {
    await runExportStep(message, ports);
    steps += 1;
  }
  if (job.rows !== total) throw new Error(`exported ${job.rows} of ${total} rows`);
  return {
    rows: total,
    ms: performance.now() - started,
    steps,
    gzipMb: gzipBytes / 2 ** 20,
    peakRssMb: peakRss / 2 ** 20,
  };
}

const round = (value: number, digits = 0) => Math.round(value * 10 ** digits) / 10 ** digits;

export async function exportBench(log: (line: string) => void) {
  for (const format of ["jsonl", "csv"] as const) {
    log(`exporting ${SIZES.join(" and ")} responses as ${format}…`);
    const runs: ExportRun[] = [];
    for (const size of SIZES) runs.push(await exportOf(size, format));
    const [baseline] = runs as [ExportRun];
    console.log(`\nExport job steps (runExportStep), ${format}: in-memory reader and files; baseline = 100 k`);
    console.table(
      runs.map((run) => ({
        responses: run.rows,
        "time s": round(run.ms / 1000, 1),
        "rows/s": Math.round(run.rows / (run.ms / 1000)),
        "time / baseline": round(run.ms / baseline.ms, 2),
        "rows / baseline": run.rows / baseline.rows,
        steps: run.steps,
        "gzip MB": round(run.gzipMb, 1),
        "peak RSS MB": round(run.peakRssMb),
      })),
    );
  }
}
