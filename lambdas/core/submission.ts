import type { ErrorDetail } from "../contracts/errors";
import type { QueuedSubmission } from "../contracts/record";
import { MAX_CLOCK_SKEW_MS, RESPONSE_ID_PATTERN, type Submission, submissionSchema } from "../contracts/submission";
import { DEFAULT_SCALES, isScoredType, scaleProblem } from "./scoring";
import { invalid, ok, parseWith, type Result } from "./validation";

/**
 * Validates one submission against the contract, including the rules a schema
 * cannot express alone, and returns it ready to queue: id assigned, scale
 * resolved, timestamps in UTC.
 */
export function acceptSubmission(
  raw: unknown,
  context: { now: Date; idempotencyKey?: string; newId: () => string; pathPrefix?: string },
): Result<QueuedSubmission> {
  const prefix = context.pathPrefix ?? "";
  const at = (field: string) => [prefix, field].filter(Boolean).join(".");
  const parsed = parseWith(submissionSchema, raw, prefix);
  if (!parsed.ok) return parsed;
  const submission = parsed.value;

  const problems = crossFieldProblems(submission, context.now).map((d) => ({ ...d, path: at(d.path) }));
  if (problems.length > 0) return { ok: false, details: problems };

  if (context.idempotencyKey !== undefined && !RESPONSE_ID_PATTERN.test(context.idempotencyKey))
    return invalid("headers.idempotency-key", "must be 1-128 characters of A-Z a-z 0-9 . _ : -");
  if (submission.id && context.idempotencyKey && submission.id !== context.idempotencyKey)
    return invalid(at("id"), "differs from the Idempotency-Key header; send one or make them equal");

  const receivedAt = context.now.toISOString();
  const scale = isScoredType(submission.type)
    ? (submission.scale ?? DEFAULT_SCALES[submission.type])
    : submission.scale;
  return ok({
    ...submission,
    id: submission.id ?? context.idempotencyKey ?? context.newId(),
    ...(scale ? { scale } : {}),
    submittedAt: submission.submittedAt ? new Date(submission.submittedAt).toISOString() : receivedAt,
    receivedAt,
  });
}

function crossFieldProblems(submission: Submission, now: Date): ErrorDetail[] {
  const problems: ErrorDetail[] = [];
  const { type, score, comment } = submission;

  if (isScoredType(type)) {
    const scale = submission.scale ?? DEFAULT_SCALES[type];
    const scaleIssue = scaleProblem(type, scale);
    if (scaleIssue) problems.push({ path: "scale", message: scaleIssue });
    if (score === undefined) problems.push({ path: "score", message: `required for type ${type}` });
    else if (!scaleIssue && (score < scale.min || score > scale.max))
      problems.push({ path: "score", message: `must be between ${scale.min} and ${scale.max}` });
  } else if (type === "review") {
    if (comment === undefined) problems.push({ path: "comment", message: "required for type review" });
    if (score !== undefined) {
      const scale = submission.scale ?? { min: 1, max: 5 };
      if (score < scale.min || score > scale.max)
        problems.push({ path: "score", message: `must be between ${scale.min} and ${scale.max}` });
    }
  } else {
    if (comment === undefined) problems.push({ path: "comment", message: "required for type comment" });
    if (score !== undefined) problems.push({ path: "score", message: "not allowed for type comment" });
    if (submission.scale !== undefined) problems.push({ path: "scale", message: "not allowed for type comment" });
  }

  if (submission.submittedAt) {
    const skew = new Date(submission.submittedAt).getTime() - now.getTime();
    if (skew > MAX_CLOCK_SKEW_MS)
      problems.push({ path: "submittedAt", message: "is more than 5 minutes in the future" });
  }
  return problems;
}
