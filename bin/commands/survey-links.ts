import { once } from "node:events";
import { createReadStream, createWriteStream, existsSync, unlinkSync, writeFileSync } from "node:fs";
import { parse } from "csv-parse";
import { stringify } from "csv-stringify";
import type { SurveyLink } from "../../lambdas/contracts/survey-links";

export interface SurveyLinksOptions {
  /** Customers, one per row: `id` (or `customerId`), optional `email`, `name`, `locale`; other columns pass through. */
  file: string;
  /** The CSV for the mail tool: every input column, then `url` and `expiresAt`. */
  out: string;
  survey: string;
  type: string;
  expiresInDays?: number;
  locale?: string;
  touchpoint?: string;
  endpoint: string;
  key: string;
  progress: (line: string) => void;
}

export interface SurveyLinksSummary {
  rows: number;
  created: number;
  /** Customers inside the survey's throttle window: not asked again, so no link. */
  throttled: number;
  rejected: number;
  out: string;
  errorReport: string | null;
}

const IN_FLIGHT = 4;

const customerOf = (row: Record<string, string>) => {
  const value = (column: string) => row[column]?.trim() || undefined;
  const id = value("id") ?? value("customerId");
  const email = value("email");
  const name = value("name");
  return { ...(id ? { id } : {}), ...(email ? { email } : {}), ...(name ? { name } : {}) };
};

/**
 * One personal link per customer of the file, through `POST /v1/survey-links`, written next to the customer for
 * a mail merge (`{{url}}?score=9` behind each score of the email). Refused rows go to `<out>.errors.jsonl` with
 * their line; the output keeps the input's order.
 */
export async function createSurveyLinks(options: SurveyLinksOptions): Promise<SurveyLinksSummary> {
  const errorReport = `${options.out}.errors.jsonl`;
  if (existsSync(errorReport)) unlinkSync(errorReport);
  const errors: string[] = [];
  const summary = { rows: 0, created: 0, throttled: 0, rejected: 0 };
  const output = stringify();
  const file = createWriteStream(options.out);
  output.pipe(file);

  const create = async (line: number, row: Record<string, string>): Promise<string[] | null> => {
    const locale = row.locale?.trim() || options.locale;
    const answer = await fetch(`${options.endpoint}/v1/survey-links`, {
      method: "POST",
      headers: { authorization: `Bearer ${options.key}`, "content-type": "application/json" },
      body: JSON.stringify({
        survey: options.survey,
        type: options.type,
        customer: customerOf(row),
        ...(options.expiresInDays ? { expiresInDays: options.expiresInDays } : {}),
        ...(locale ? { locale } : {}),
        ...(options.touchpoint ? { touchpoint: options.touchpoint } : {}),
      }),
    });
    const body = (await answer.json()) as SurveyLink & { error?: { code: string; message: string; details: unknown } };
    if (answer.status === 201) {
      summary.created += 1;
      return [...Object.values(row), body.url, body.expiresAt];
    }
    if (body.error?.code === "survey_throttled") summary.throttled += 1;
    else summary.rejected += 1;
    if (answer.status >= 500 || answer.status === 401 || answer.status === 403)
      throw new Error(`line ${line}: HTTP ${answer.status}: ${body.error?.message ?? "no answer"}`);
    errors.push(JSON.stringify({ line, customer: customerOf(row), status: answer.status, error: body.error }));
    return null;
  };

  let header: string[] | null = null;
  let batch: { line: number; row: Record<string, string> }[] = [];
  const flush = async () => {
    const written = await Promise.all(batch.map(({ line, row }) => create(line, row)));
    for (const record of written) if (record && !output.write(record)) await once(output, "drain");
    batch = [];
    options.progress(
      `${summary.rows} rows: ${summary.created} links, ${summary.throttled} throttled, ${summary.rejected} rejected`,
    );
  };

  const rows = createReadStream(options.file).pipe(
    parse({
      columns: true,
      skip_empty_lines: true,
      bom: true,
      on_record: (record: Record<string, string>, context) => ({ line: context.lines, record }),
    }),
  );
  for await (const { line, record } of rows as AsyncIterable<{ line: number; record: Record<string, string> }>) {
    if (!header) {
      header = Object.keys(record);
      output.write([...header, "url", "expiresAt"]);
    }
    summary.rows += 1;
    batch.push({ line, row: record });
    if (batch.length === IN_FLIGHT) await flush();
  }
  await flush();
  output.end();
  await once(file, "finish");
  if (errors.length > 0) writeFileSync(errorReport, `${errors.join("\n")}\n`);
  return { ...summary, out: options.out, errorReport: errors.length > 0 ? errorReport : null };
}
