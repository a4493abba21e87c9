import { readFileSync } from "node:fs";
import { type FormbricksSurveys, formbricksSurveysSchema } from "../../lambdas/contracts/formbricks-mapping";
import { MAX_BATCH_ITEMS } from "../../lambdas/contracts/submission";
import { CXLOOP_MAPPING, mapCxloopLine } from "../../lambdas/core/importers/cxloop";
import { DELIGHTED_MAPPING, mapDelightedCsvRow, mapDelightedResponse } from "../../lambdas/core/importers/delighted";
import {
  FORMBRICKS_JSON_MAPPING,
  FormbricksCsvSurvey,
  formbricksCsvMapping,
  mapFormbricksCsvRow,
  mapFormbricksResponse,
  parseQuestionKind,
  QUESTION_KIND_HELP,
} from "../../lambdas/core/importers/formbricks";
import { checkSubmissions, type Mapped, type MappingLine } from "../../lambdas/core/importers/shape";
import { type ImportRow, postBatch, readRecords, runBatchImport } from "./batch-import";

export const IMPORT_SOURCES = ["delighted", "formbricks", "cxloop"] as const;
export type ImportSource = (typeof IMPORT_SOURCES)[number];

export interface ResponsesImportOptions {
  from: ImportSource;
  file: string;
  /** `--map "<column or question id>=<type>"`, repeatable. */
  map: readonly string[];
  /** A survey mapping file, as the stage config's `hooks.formbricks.surveys`. */
  mapping?: string;
  restart: boolean;
  now?: Date;
  log: (line: string) => void;
  progress: (line: string) => void;
}

/** How each record of the file becomes submissions, and what the dry run says about it. */
interface Plan {
  mapping: MappingLine[];
  map: (record: unknown) => Mapped;
}

const isJson = (file: string) => /\.(json|jsonl|ndjson)$/.test(file);

function overridesOf(entries: readonly string[]): Record<string, string> {
  const overrides: Record<string, string> = {};
  for (const entry of entries) {
    const split = entry.lastIndexOf("=");
    const column = entry.slice(0, split).trim();
    const kind = entry.slice(split + 1).trim();
    if (split <= 0 || !parseQuestionKind(kind))
      throw new Error(`--map "${entry}": use <column>=<type>; ${QUESTION_KIND_HELP}`);
    overrides[column] = kind;
  }
  return overrides;
}

function surveysOf(file: string | undefined): FormbricksSurveys {
  if (!file) return {};
  const parsed = formbricksSurveysSchema.safeParse(JSON.parse(readFileSync(file, "utf8")));
  if (!parsed.success)
    throw new Error(
      `--mapping ${file}: ${parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; ")}`,
    );
  return parsed.data;
}

/** Formbricks CSV questions are recognised from the whole file, so the file is read once before the run. */
async function planFor(options: ResponsesImportOptions): Promise<Plan> {
  const overrides = overridesOf(options.map);
  const surveys = surveysOf(options.mapping);
  if (options.from === "cxloop") return { mapping: CXLOOP_MAPPING, map: mapCxloopLine };
  if (options.from === "delighted")
    return {
      mapping: DELIGHTED_MAPPING,
      map: isJson(options.file)
        ? mapDelightedResponse
        : (record) => mapDelightedCsvRow(record as Record<string, string>),
    };
  if (isJson(options.file))
    return { mapping: FORMBRICKS_JSON_MAPPING, map: (record) => mapFormbricksResponse(record, surveys, overrides) };
  const survey = new FormbricksCsvSurvey();
  for await (const { record } of readRecords(options.file, () => undefined))
    survey.observe(record as Record<string, string>);
  // An export holds one survey: the mapping file's questions for it apply by column, number or headline.
  const named = Object.assign({}, ...Object.values(surveys).map((entry) => entry.questions), overrides);
  const plan = survey.plan(named);
  return {
    mapping: formbricksCsvMapping(plan),
    map: (record) => mapFormbricksCsvRow(record as Record<string, string>, plan, surveys),
  };
}

/** Tracks the days the imported responses fall on, for the recompute that covers them. */
function windowTracker() {
  let first: string | null = null;
  let last: string | null = null;
  return {
    add: (submittedAt: unknown) => {
      if (typeof submittedAt !== "string") return;
      const day = submittedAt.slice(0, 10);
      if (first === null || day < first) first = day;
      if (last === null || day > last) last = day;
    },
    get: () => (first && last ? { from: first, to: last } : null),
  };
}

async function* importRows(
  options: ResponsesImportOptions,
  plan: Plan,
  onBytes: (bytesRead: number) => void,
  window: ReturnType<typeof windowTracker>,
): AsyncGenerator<ImportRow> {
  const now = options.now ?? new Date();
  for await (const { line, record, unreadable } of readRecords(options.file, onBytes)) {
    if (unreadable) {
      yield { line, bodies: [], problems: [{ path: "row", message: unreadable }] };
      continue;
    }
    const mapped = plan.map(record);
    const checked = checkSubmissions(mapped, now);
    const several = checked.length > 1;
    const bodies = checked.flatMap((check) => (check.ok ? [check.submission] : []));
    for (const body of bodies) window.add(body.submittedAt);
    yield {
      line,
      bodies,
      problems: [
        ...mapped.problems,
        ...checked.flatMap((check) =>
          check.ok
            ? []
            : check.details.map((detail) => ({
                ...detail,
                path: several ? `[${String(check.id)}] ${detail.path}` : detail.path,
              })),
        ),
      ],
    };
  }
}

/** The recompute that covers a window, with a day's margin each side: the stage may count days in another zone. */
export function recomputeCommand(window: { from: string; to: string }) {
  const shift = (day: string, by: number) =>
    new Date(Date.parse(`${day}T00:00:00Z`) + by * 86_400_000).toISOString().slice(0, 10);
  return { from: shift(window.from, -1), to: shift(window.to, 1) };
}

export interface DryRunReport {
  mapping: MappingLine[];
  rows: number;
  wouldImport: number;
  badRows: number;
  emptyRows: number;
  reasons: { reason: string; rows: number }[];
  window: { from: string; to: string } | null;
}

/** Maps and checks every row without sending anything: the counts a run will get, and the reasons rows are bad. */
export async function dryRunImport(options: ResponsesImportOptions): Promise<DryRunReport> {
  const plan = await planFor(options);
  const window = windowTracker();
  const reasons = new Map<string, number>();
  const report = { rows: 0, wouldImport: 0, badRows: 0, emptyRows: 0 };
  for await (const row of importRows(options, plan, () => undefined, window)) {
    report.rows += 1;
    report.wouldImport += row.bodies.length;
    if (row.problems.length) report.badRows += 1;
    else if (row.bodies.length === 0) report.emptyRows += 1;
    for (const reason of new Set(
      row.problems.map((problem) => `${problem.path.replace(/^\[[^\]]*\] /, "")}: ${problem.message}`),
    ))
      reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
  }
  return {
    mapping: plan.mapping,
    ...report,
    reasons: [...reasons].map(([reason, rows]) => ({ reason, rows })).sort((a, b) => b.rows - a.rows),
    window: window.get(),
  };
}

/**
 * Imports through `POST /v1/responses/batch` with a server key (which may import history and is not throttled):
 * ids derived from the source's, so a second run, or a renamed copy, stores nothing twice.
 */
export async function importResponses(options: ResponsesImportOptions & { endpoint: string; key: string }) {
  const plan = await planFor(options);
  const window = windowTracker();
  const summary = await runBatchImport({
    file: options.file,
    restart: options.restart,
    batchSize: MAX_BATCH_ITEMS,
    rows: (onBytes) => importRows(options, plan, onBytes, window),
    send: (bodies) => postBatch(options, "/v1/responses/batch", "responses", bodies),
    log: options.log,
    progress: options.progress,
  });
  return { ...summary, accepted: summary.outcomes.accepted ?? 0, window: window.get() };
}

export function dryRunText(report: DryRunReport): string {
  const width = Math.max(...report.mapping.map((line) => line.field.length));
  return [
    "mapping:",
    ...report.mapping.map((line) => `  ${line.field.padEnd(width)}  ← ${line.from}`),
    "",
    `rows: ${report.rows}`,
    `would import: ${report.wouldImport} response(s)`,
    `bad rows: ${report.badRows}`,
    ...report.reasons.slice(0, 20).map((entry) => `  ${entry.rows} × ${entry.reason}`),
    `rows with nothing to import (no answer): ${report.emptyRows}`,
    ...(report.window ? [`window: ${report.window.from} to ${report.window.to}`] : []),
    "nothing was sent (dry run)",
  ].join("\n");
}

/** `responses import`: the dry run, or the run with its summary and the truth about the metrics of the window. */
export async function responsesImportCommand(
  options: ResponsesImportOptions & { dryRun: boolean; recompute: boolean },
  target: () => { endpoint: string; key: string },
  recompute: (window: { from: string; to: string }) => Promise<unknown>,
) {
  if (options.dryRun) return void console.log(dryRunText(await dryRunImport(options)));
  const summary = await importResponses({ ...options, ...target() });
  process.stderr.write("\n");
  console.log(JSON.stringify(summary, null, 2));
  if (summary.rejected > 0) console.error(`${summary.rejected} row(s) rejected: see ${summary.errorReport}`);
  if (!summary.window) return;
  const covering = recomputeCommand(summary.window);
  if (options.recompute) return void (await recompute(covering));
  console.error(
    [
      `imported responses fall on ${summary.window.from} to ${summary.window.to}.`,
      "Each stored response marks its day changed, and the metrics rollup (every 5 minutes) recomputes marked days by itself;",
      `to have those days' metrics now: npm run cxloop -- metrics recompute --from ${covering.from} --to ${covering.to}`,
    ].join("\n"),
  );
}
