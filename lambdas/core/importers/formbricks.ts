import type { ErrorDetail } from "../../contracts/errors";
import { type FormbricksSurveys, QUESTION_KIND } from "../../contracts/formbricks-mapping";
import type { channels } from "../../contracts/submission";
import {
  fitAttributes,
  instantOf,
  integerOf,
  type Mapped,
  type MappingLine,
  mapped,
  safeId,
  textOf,
  unmappable,
} from "./shape";

type Scored = "nps" | "csat" | "ces";
export interface QuestionKind {
  kind: Scored | "comment" | "attribute" | "ignore";
  scale?: { min: number; max: number };
}

const DEFAULT_SCALE: Record<Scored, { min: number; max: number }> = {
  nps: { min: 0, max: 10 },
  csat: { min: 1, max: 5 },
  ces: { min: 1, max: 7 },
};

/** `ces:1-5` → ces on 1-5; `nps` → nps on its default scale. */
export function parseQuestionKind(text: string): QuestionKind | null {
  const match = QUESTION_KIND.exec(text.trim());
  if (!match) return null;
  const kind = match[1] as QuestionKind["kind"];
  if (match[2]) return { kind, scale: { min: Number(match[3]), max: Number(match[4]) } };
  return kind === "nps" || kind === "csat" || kind === "ces" ? { kind, scale: DEFAULT_SCALE[kind] } : { kind };
}

/** One answer of a response, under the key mappings name it by, with the suffix its own submission's id gets. */
interface Answer {
  key: string;
  suffix: string;
  /** Where a problem with it is reported. */
  label: string;
  /** Its attribute's name, when it is kept as one. */
  name: string;
  value: unknown;
  kind: QuestionKind;
}

/** A Formbricks response, from whichever format it came in. */
interface NormalizedResponse {
  id: string;
  surveyId?: string;
  survey?: string;
  createdAt: unknown;
  customer?: { id: string; email?: string };
  meta: Record<string, unknown>;
  tags: string[];
  finished?: boolean;
  extra: [string, unknown][];
  answers: Answer[];
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function channelOf(meta: Record<string, unknown>): (typeof channels)[number] | undefined {
  const source = textOf(meta.source)?.toLowerCase() ?? "";
  if (source.includes("email")) return "email";
  if (source.includes("sms")) return "sms";
  if (textOf(meta.url)) return "web";
  return undefined;
}

/**
 * A response as cxloop submissions: one per answered scored question (ids `formbricks-<id>`, suffixed by the
 * question when there are several), the open-text answers as the first one's comment (or a comment alone).
 */
function toSubmissions(response: NormalizedResponse): Mapped {
  const problems: ErrorDetail[] = [];
  const scored: { answer: Answer; score: number }[] = [];
  const comments: string[] = [];
  const answered: [string, unknown][] = [];
  for (const answer of response.answers) {
    const { kind } = answer.kind;
    if (kind === "nps" || kind === "csat" || kind === "ces") {
      const score = integerOf(Array.isArray(answer.value) ? answer.value[0] : answer.value);
      if (score === undefined) continue;
      if (Number.isNaN(score)) problems.push({ path: answer.label, message: `${kind} answer must be a whole number` });
      else scored.push({ answer, score });
    } else if (kind === "comment") {
      const text = textOf(answer.value);
      if (text) comments.push(text);
    } else if (kind === "attribute")
      answered.push([answer.name, Array.isArray(answer.value) ? answer.value.join(", ") : answer.value]);
  }
  if (problems.length) return mapped([], problems);
  const submittedAt = instantOf(response.createdAt);
  if (!submittedAt) return unmappable("createdAt", "must be an ISO 8601 time");
  const channel = channelOf(response.meta);
  const userAgent = (response.meta.userAgent ?? {}) as Record<string, unknown>;
  const attributes = fitAttributes([
    ["formbricksSurveyId", response.surveyId],
    ["finished", response.finished],
    ["tags", response.tags.length ? response.tags.join(", ") : undefined],
    ["source", textOf(response.meta.source)],
    ["url", textOf(response.meta.url)],
    ["country", textOf(response.meta.country)],
    ["action", textOf(response.meta.action)],
    ["device", textOf(userAgent.device)],
    ["os", textOf(userAgent.os)],
    ["browser", textOf(userAgent.browser)],
    ...answered,
    ...response.extra,
  ]);
  const common = {
    survey: response.survey ?? `formbricks-${safeId(response.surveyId ?? "survey")}`,
    ...(channel ? { channel } : {}),
    ...(response.customer ? { customer: response.customer } : {}),
    submittedAt,
    ...(Object.keys(attributes).length ? { attributes } : {}),
  };
  const comment = comments.length ? comments.join("\n\n") : undefined;
  const id = `formbricks-${safeId(response.id)}`;
  if (scored.length === 0) return mapped(comment ? [{ id, type: "comment", comment, ...common }] : []);
  return mapped(
    scored.map(({ answer, score }, position) => ({
      id: scored.length > 1 ? `${id}-${safeId(answer.suffix)}` : id,
      type: answer.kind.kind,
      score,
      scale: answer.kind.scale,
      ...(position === 0 && comment ? { comment } : {}),
      ...common,
    })),
  );
}

// --- The Management API's JSON (and webhooks' `data`) ---

/** The kinds a survey mapping gives its questions, by question id; `overrides` (from `--map`) win. */
function kindsFor(surveys: FormbricksSurveys, surveyId: string | undefined, overrides: Record<string, string>) {
  const named = { ...(surveyId ? surveys[surveyId]?.questions : {}), ...overrides };
  return (key: string) => {
    const text = named[key];
    return text ? parseQuestionKind(text) : null;
  };
}

/**
 * One response of Formbricks' Management API (`GET /api/v1/management/responses`) or of its webhook's `data`:
 * the survey mapping says what each question id is; questions it does not name are left out (a JSON answer
 * has no headline to tell a score from a count).
 */
export function mapFormbricksResponse(
  input: unknown,
  surveys: FormbricksSurveys,
  overrides: Record<string, string> = {},
): Mapped {
  if (typeof input !== "object" || input === null || Array.isArray(input))
    return unmappable("body", "a Formbricks response object is required");
  const response = input as Record<string, unknown>;
  const id = textOf(response.id);
  if (!id) return unmappable("id", "the response has no id");
  const surveyId = textOf(response.surveyId);
  const data = response.data;
  if (typeof data !== "object" || data === null || Array.isArray(data))
    return unmappable("data", "must be an object of answers by question id");
  const kindOf = kindsFor(surveys, surveyId, overrides);
  const answers: Answer[] = [];
  for (const [key, value] of Object.entries(data as Record<string, unknown>)) {
    const kind = kindOf(key);
    if (kind && kind.kind !== "ignore")
      answers.push({ key, suffix: key, label: `data.${key}`, name: key, value, kind });
  }
  const contact = (typeof response.contact === "object" && response.contact ? response.contact : {}) as Record<
    string,
    unknown
  >;
  const contactAttributes = (
    typeof response.contactAttributes === "object" && response.contactAttributes ? response.contactAttributes : {}
  ) as Record<string, unknown>;
  const customerId =
    textOf(contactAttributes.userId) ?? textOf(contact.userId) ?? textOf(response.contactId) ?? textOf(contact.id);
  const email = textOf(contactAttributes.email);
  const tags = Array.isArray(response.tags)
    ? response.tags
        .map((tag) => textOf((tag as { name?: unknown } | null)?.name ?? tag))
        .filter((tag) => tag !== undefined)
    : [];
  const meta = (typeof response.meta === "object" && response.meta ? response.meta : {}) as Record<string, unknown>;
  return toSubmissions({
    id,
    ...(surveyId ? { surveyId } : {}),
    ...(surveyId && surveys[surveyId]?.survey ? { survey: surveys[surveyId]?.survey } : {}),
    createdAt: response.createdAt,
    ...(customerId ? { customer: { id: safeId(customerId), ...(email && EMAIL.test(email) ? { email } : {}) } } : {}),
    meta,
    tags,
    ...(typeof response.finished === "boolean" ? { finished: response.finished } : {}),
    extra: Object.entries(contactAttributes).filter(([key]) => key !== "userId" && key !== "email"),
    answers,
  });
}

/** The revision of a Formbricks response: its `updatedAt` in whole seconds, so a later update replaces an earlier one. */
export function formbricksRevision(input: unknown): number | undefined {
  const response = (input ?? {}) as Record<string, unknown>;
  const at = instantOf(response.updatedAt) ?? instantOf(response.createdAt);
  return at ? Math.max(1, Math.floor(Date.parse(at) / 1000)) : undefined;
}

// --- The CSV export ---

const QUESTION_COLUMN = /^(\d+)\.\s+(.+)$/;
/** The export's fixed columns, lower-cased; meta columns mirror a response's `meta` keys. */
const FIXED: Record<string, string> = {
  "no.": "ignore",
  "response id": "id",
  timestamp: "createdAt",
  finished: "finished",
  "survey id": "surveyId",
  "formbricks id (internal)": "contactId",
  "user id": "userId",
  tags: "tags",
  notes: "ignore",
  url: "meta.url",
  source: "meta.source",
  action: "meta.action",
  country: "meta.country",
  "useragent - device": "meta.device",
  "useragent - os": "meta.os",
  "useragent - browser": "meta.browser",
  email: "email",
};

interface ColumnStats {
  answers: number;
  integers: boolean;
  min: number;
  max: number;
  distinct: Set<string>;
  longest: number;
}

/** What a question column was found to be, and why: the dry run shows both. */
export interface QuestionPlan {
  column: string;
  number: string;
  headline: string;
  kind: QuestionKind;
  reason: string;
}

const DISTINCT_CAP = 50;

/** Reads every row once to learn what each question column holds; the plan is then made from what was seen. */
export class FormbricksCsvSurvey {
  private readonly stats = new Map<string, ColumnStats>();

  observe(row: Record<string, string>): void {
    for (const [column, cell] of Object.entries(row)) {
      if (!QUESTION_COLUMN.test(column.trim())) continue;
      const value = cell.trim();
      const stats = this.stats.get(column) ?? {
        answers: 0,
        integers: true,
        min: Number.POSITIVE_INFINITY,
        max: Number.NEGATIVE_INFINITY,
        distinct: new Set<string>(),
        longest: 0,
      };
      this.stats.set(column, stats);
      if (value === "") continue;
      stats.answers += 1;
      stats.longest = Math.max(stats.longest, value.length);
      if (stats.distinct.size < DISTINCT_CAP) stats.distinct.add(value);
      const number = Number(value);
      if (Number.isInteger(number)) {
        stats.min = Math.min(stats.min, number);
        stats.max = Math.max(stats.max, number);
      } else stats.integers = false;
    }
  }

  /** Each question column's kind: `overrides` (by column, number or headline) first, else recognised from what was seen. */
  plan(overrides: Record<string, string> = {}): QuestionPlan[] {
    return [...this.stats].map(([column, stats]) => {
      const [, number = "", headline = ""] = QUESTION_COLUMN.exec(column.trim()) ?? [];
      const named = overrides[column] ?? overrides[column.trim()] ?? overrides[number] ?? overrides[headline];
      const chosen = named === undefined ? null : parseQuestionKind(named);
      if (named !== undefined && !chosen) throw new Error(`--map ${column}=${named}: ${QUESTION_KIND_HELP}`);
      return chosen
        ? { column, number, headline, kind: chosen, reason: "as mapped" }
        : { column, number, headline, ...recognise(headline, stats) };
    });
  }
}

export const QUESTION_KIND_HELP =
  "the type must be nps, csat, ces, comment, attribute or ignore (a scale optional: ces:1-5)";

const EFFORT = /effort|easy|easily|difficult|hard to/i;
const SATISFACTION = /satisf|happy|rate|rating|csat/i;

/** What a question column plainly is; anything not plain is left out, with the reason, for `--map` to decide. */
function recognise(headline: string, stats: ColumnStats): { kind: QuestionKind; reason: string } {
  if (stats.answers === 0) return { kind: { kind: "ignore" }, reason: "no answers" };
  if (stats.integers) {
    const range = `answers ${stats.min}-${stats.max}`;
    if (stats.min >= 0 && stats.max <= 10 && /recommend/i.test(headline))
      return { kind: { kind: "nps", scale: DEFAULT_SCALE.nps }, reason: `${range}, "recommend" in the headline` };
    if (stats.min >= 1 && stats.max <= 7 && EFFORT.test(headline)) {
      const scale = stats.max <= 5 ? { min: 1, max: 5 } : { min: 1, max: 7 };
      return { kind: { kind: "ces", scale }, reason: `${range}, an effort headline` };
    }
    if (stats.min >= 1 && stats.max <= 5 && SATISFACTION.test(headline))
      return { kind: { kind: "csat", scale: { min: 1, max: 5 } }, reason: `${range}, a satisfaction headline` };
    return { kind: { kind: "ignore" }, reason: `${range}, not plainly NPS, CSAT or CES: --map to choose` };
  }
  if (stats.distinct.size > 10 || stats.longest > 40) return { kind: { kind: "comment" }, reason: "free text" };
  return { kind: { kind: "attribute" }, reason: `${stats.distinct.size} distinct short answers (a choice)` };
}

/** One row of the CSV export, by the plan made from the whole file. */
export function mapFormbricksCsvRow(
  row: Record<string, string>,
  plan: readonly QuestionPlan[],
  surveys: FormbricksSurveys = {},
): Mapped {
  const fields: Record<string, string> = {};
  const extra: [string, unknown][] = [];
  for (const [column, cell] of Object.entries(row)) {
    const value = cell.trim();
    if (value === "" || QUESTION_COLUMN.test(column.trim())) continue;
    const field = FIXED[column.trim().toLowerCase()];
    if (field === undefined) extra.push([column.trim(), value]);
    else if (field !== "ignore") fields[field] = value;
  }
  const id = fields.id;
  if (!id) return unmappable("Response ID", "is empty");
  const answers = plan
    .filter((question) => question.kind.kind !== "ignore")
    .map((question) => ({
      key: question.column,
      suffix: `q${question.number}`,
      label: question.column,
      name: question.headline,
      value: row[question.column],
      kind: question.kind,
    }));
  const customerId = fields.userId ?? fields.contactId;
  const surveyId = fields.surveyId;
  const finished = fields.finished?.toLowerCase();
  const meta: Record<string, unknown> = {
    source: fields["meta.source"],
    url: fields["meta.url"],
    country: fields["meta.country"],
    action: fields["meta.action"],
    userAgent: { device: fields["meta.device"], os: fields["meta.os"], browser: fields["meta.browser"] },
  };
  const result = toSubmissions({
    id,
    ...(surveyId ? { surveyId } : {}),
    ...(surveyId && surveys[surveyId]?.survey ? { survey: surveys[surveyId]?.survey } : {}),
    createdAt: fields.createdAt,
    ...(customerId
      ? {
          customer: {
            id: safeId(customerId),
            ...(fields.email && EMAIL.test(fields.email) ? { email: fields.email } : {}),
          },
        }
      : {}),
    meta,
    tags: (fields.tags ?? "")
      .split(",")
      .map((tag) => tag.trim())
      .filter(Boolean),
    ...(finished ? { finished: finished === "yes" || finished === "true" } : {}),
    extra,
    answers,
  });
  return result.problems.some((problem) => problem.path === "createdAt")
    ? unmappable("Timestamp", "must be an ISO 8601 or YYYY-MM-DD hh:mm:ss time")
    : result;
}

/** What a Formbricks CSV import applies, for the dry run: the fixed columns, then each question as chosen. */
export function formbricksCsvMapping(plan: readonly QuestionPlan[]): MappingLine[] {
  const lines: MappingLine[] = [
    { field: "id", from: "Response ID → formbricks-<id> (-q<N> per scored question when several)" },
    { field: "customer", from: "User ID (else Formbricks ID (internal)), Email" },
    { field: "channel", from: "source (email, sms), else url → web" },
    { field: "submittedAt", from: "Timestamp" },
    { field: "attributes", from: "Survey ID, Finished, Tags, meta columns, choice answers, hidden fields" },
  ];
  for (const question of plan) {
    const { kind, scale } = question.kind;
    const target =
      kind === "nps" || kind === "csat" || kind === "ces"
        ? `score, type ${kind} ${scale?.min}-${scale?.max}`
        : kind === "comment"
          ? "comment"
          : kind === "attribute"
            ? `attribute "${question.headline.slice(0, 64)}"`
            : "ignored";
    lines.push({ field: target, from: `${question.column} (${question.reason})` });
  }
  return lines;
}

export const FORMBRICKS_JSON_MAPPING: MappingLine[] = [
  { field: "id", from: "id → formbricks-<id> (-<questionId> per scored question when several)" },
  { field: "score, type", from: "data.<questionId> as the survey mapping (--mapping) and --map name them" },
  { field: "comment", from: "data.<questionId> mapped to comment" },
  { field: "customer", from: "contactAttributes.userId (else contactId), contactAttributes.email" },
  { field: "channel", from: "meta.source (email, sms), else meta.url → web" },
  { field: "submittedAt", from: "createdAt" },
  { field: "attributes", from: "surveyId, finished, tags, meta, other contact attributes" },
];
