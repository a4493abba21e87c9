import type { ErrorDetail } from "../../contracts/errors";
import type { QueuedSubmission } from "../../contracts/record";
import { MAX_ATTRIBUTES } from "../../contracts/submission";
import { acceptSubmission } from "../submission";

/**
 * What one record of another tool's data becomes: zero or more bodies for `POST /v1/responses`, and the
 * problems found before they could be built (a field the source spelled in a way we cannot read).
 */
export interface Mapped {
  submissions: Record<string, unknown>[];
  problems: ErrorDetail[];
}

/** Which source field feeds which cxloop field: what a dry run prints before anything is sent. */
export type MappingLine = { field: string; from: string };

export const mapped = (submissions: Record<string, unknown>[], problems: ErrorDetail[] = []): Mapped => ({
  submissions,
  problems,
});
export const unmappable = (path: string, message: string): Mapped => ({
  submissions: [],
  problems: [{ path, message }],
});

const ATTRIBUTE_KEY = 64;
const ATTRIBUTE_TEXT = 256;

/**
 * Fits another tool's properties into cxloop's attribute limits (50 keys of 64 characters, texts of 256):
 * long keys and texts are shortened rather than the response refused, and keys past the 50th are left out;
 * earlier entries win, so callers list what matters most first.
 */
export function fitAttributes(entries: Iterable<[string, unknown]>): Record<string, string | number | boolean> {
  const attributes: Record<string, string | number | boolean> = {};
  for (const [rawKey, value] of entries) {
    if (Object.keys(attributes).length >= MAX_ATTRIBUTES) break;
    const key = rawKey.trim().slice(0, ATTRIBUTE_KEY);
    if (key === "" || key in attributes || value === null || value === undefined) continue;
    if (typeof value === "boolean" || (typeof value === "number" && Number.isFinite(value))) attributes[key] = value;
    else {
      const text = (typeof value === "string" ? value : JSON.stringify(value)).trim();
      if (text !== "") attributes[key] = text.length > ATTRIBUTE_TEXT ? `${text.slice(0, ATTRIBUTE_TEXT - 1)}…` : text;
    }
  }
  return attributes;
}

const UNIX_SECONDS = /^\d{9,10}$/;
/** `2024-03-01 10:15:00`, as spreadsheets and CSV exports write times: read as UTC, the exports' zone. */
const SPACED = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(:\d{2}(\.\d+)?)?)( ?(UTC|GMT|Z))?$/i;

/** An instant from Unix seconds, ISO 8601 or a spreadsheet's `YYYY-MM-DD hh:mm[:ss] [UTC]`; null when unreadable. */
export function instantOf(value: unknown): string | null {
  if (typeof value === "number" && Number.isFinite(value)) return new Date(value * 1000).toISOString();
  if (typeof value !== "string") return null;
  const text = value.trim();
  if (UNIX_SECONDS.test(text)) return new Date(Number(text) * 1000).toISOString();
  const spaced = SPACED.exec(text);
  const parsed = spaced ? Date.parse(`${spaced[1]}T${spaced[2]}Z`) : Date.parse(text);
  return Number.isNaN(parsed) || !/\d{4}/.test(text) ? null : new Date(parsed).toISOString();
}

/** A whole number from a cell or a JSON value; undefined when empty, NaN when not a whole number. */
export function integerOf(value: unknown): number | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  const number = typeof value === "number" ? value : Number(String(value).trim());
  return Number.isInteger(number) ? number : Number.NaN;
}

/** Response and customer ids allow `A-Za-z0-9._:-`; another tool's id is kept readable, with other characters as `_`. */
export const safeId = (value: string) => value.trim().replace(/[^A-Za-z0-9._:@-]/g, "_");

export const textOf = (value: unknown): string | undefined => {
  if (typeof value !== "string" && typeof value !== "number") return undefined;
  const text = String(value).trim();
  return text === "" ? undefined : text;
};

export type Checked =
  | { ok: true; submission: Record<string, unknown>; queued: QueuedSubmission }
  | { ok: false; id: unknown; details: ErrorDetail[] };

/**
 * Runs each mapped body through intake's own validation, so a row the API would refuse is reported here, with
 * the field, before anything is sent (a dry run), and the counts a dry run gives are the ones a run will get.
 */
export function checkSubmissions(result: Mapped, now: Date): Checked[] {
  return result.submissions.map((submission) => {
    const accepted = acceptSubmission(submission, { now, newId: () => "unused" });
    return accepted.ok
      ? { ok: true, submission, queued: accepted.value }
      : { ok: false, id: submission.id ?? null, details: accepted.details };
  });
}
