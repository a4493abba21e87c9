import { type Mapped, type MappingLine, mapped, unmappable } from "./shape";

/** The fields of a stored response record a submission can carry again; the rest (scores' category, sentiment, …) is derived. */
const SUBMITTED = [
  "id",
  "type",
  "score",
  "scale",
  "comment",
  "survey",
  "channel",
  "touchpoint",
  "submittedAt",
  "locale",
];

/**
 * One line of cxloop's own JSONL: a submission as posted, or a stored response record (`GET /v1/responses`,
 * an export), which goes back in as the submission it was made from, so enrichment derives the rest again.
 */
export function mapCxloopLine(input: unknown): Mapped {
  if (typeof input !== "object" || input === null || Array.isArray(input))
    return unmappable("body", "a submission or response record object is required");
  const record = input as Record<string, unknown>;
  if (!("receivedAt" in record || "enrichedAt" in record)) return mapped([record]);
  const submission: Record<string, unknown> = {};
  for (const field of SUBMITTED)
    if (record[field] !== null && record[field] !== undefined) submission[field] = record[field];
  const customer = record.customer as { id?: unknown; email?: unknown; name?: unknown } | null | undefined;
  if (customer?.id)
    submission.customer = {
      id: customer.id,
      ...(customer.email ? { email: customer.email } : {}),
      ...(customer.name ? { name: customer.name } : {}),
    };
  const attributes = record.attributes as Record<string, unknown> | undefined;
  if (attributes && Object.keys(attributes).length) submission.attributes = attributes;
  return mapped([submission]);
}

export const CXLOOP_MAPPING: MappingLine[] = [
  {
    field: "everything",
    from: "a submission line as is; a response record's submitted fields (derived ones are recomputed)",
  },
];
