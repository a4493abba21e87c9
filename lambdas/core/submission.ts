import { createHash } from "node:crypto";
import stableStringify from "safe-stable-stringify";
import type { RateLimit } from "../contracts/auth";
import type { ErrorDetail } from "../contracts/errors";
import { RESPONSE_ID_PATTERN } from "../contracts/ids";
import type { QueuedSubmission } from "../contracts/record";
import { storableProblems } from "../contracts/storable";
import {
  type BatchResult,
  batchSubmissionSchema,
  MAX_CLOCK_SKEW_MS,
  MAX_SUBMISSION_BYTES,
  type Submission,
  submissionSchema,
} from "../contracts/submission";
import { ClientError, itemError, validationFailed } from "./client-error";
import { type RateLimiter, rateLimited } from "./rate-limits";
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
  const unstorable = storableProblems(raw, prefix);
  if (unstorable.length > 0) return { ok: false, details: unstorable };
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
  // The signature vouches for the id at intake only; it is never queued or stored.
  const { signature: _signature, ...customer } = submission.customer ?? {};
  return ok({
    ...submission,
    ...(submission.customer ? { customer: customer as NonNullable<QueuedSubmission["customer"]> } : {}),
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

  if (type === "enps" && submission.customer !== undefined)
    problems.push({ path: "customer", message: "an employee answer (enps) is never linked to a customer" });
  if (type !== "enps" && submission.employee !== undefined)
    problems.push({ path: "employee", message: "only for employee answers (type enps)" });

  if (submission.submittedAt) {
    const skew = new Date(submission.submittedAt).getTime() - now.getTime();
    if (skew > MAX_CLOCK_SKEW_MS)
      problems.push({ path: "submittedAt", message: "is more than 5 minutes in the future" });
  }
  return problems;
}

/** `claimed`: the id is new; `repeated`: claimed before by the same body; `conflict`: by another body. */
export type ClaimOutcome = "claimed" | "repeated" | "conflict";

export interface SubmissionPorts {
  /** Queues submissions; answers the positions that could not be queued. */
  queue: { send(submissions: readonly QueuedSubmission[]): Promise<Set<number>> };
  claims: {
    claim(id: string, fingerprint: string, at: Date): Promise<ClaimOutcome>;
    /** Gives back a claim this body made, when the submission is refused after claiming. */
    release(id: string, fingerprint: string): Promise<void>;
  };
  now: () => Date;
  newId: () => string;
  /** Limits a new submission must keep (not a repeat); throws the refusal. */
  admit?: (submission: QueuedSubmission) => Promise<void>;
  /** A refusal of the customer as sent, before anything is claimed (an id the sender may not speak for). */
  vouch?: (customer: SentCustomer | undefined, path: string) => ClientError | null;
  /** Told what was queued, after it was. */
  queued?: (submissions: readonly QueuedSubmission[]) => Promise<void>;
}

/** The customer of a body as sent, signature included (the validated submission keeps none). */
type SentCustomer = { id?: unknown; signature?: unknown };
const customerOf = (body: unknown): SentCustomer | undefined =>
  typeof body === "object" && body !== null ? (body as { customer?: SentCustomer }).customer : undefined;

/** At most `limit` new submissions per customer and survey: 40 detractors under a victim's id open no 40 cases. */
export const perCustomerAndSurvey =
  (limiter: Pick<RateLimiter, "take">, limit: RateLimit) =>
  async (submission: QueuedSubmission): Promise<void> => {
    const customerId = submission.customer?.id;
    if (customerId === undefined) return;
    const verdict = await limiter.take("customer-survey", `${customerId}\n${submission.survey ?? ""}`, limit);
    if (!verdict.ok) throw rateLimited("customer-survey", limit, verdict.retryAfterSeconds);
  };

const queueUnavailable = (message: string) => new ClientError("unavailable", message, [], { "retry-after": "5" });

/** The body as the client meant it: key order and whitespace do not count. */
const fingerprintOf = (body: unknown) =>
  createHash("sha256")
    .update(stableStringify(body) ?? "")
    .digest("hex");

/**
 * Claims the submission's id for this body. A repeat of the same body goes on (its first attempt
 * may have failed before it was queued; enrichment stores it once); another body is refused.
 */
async function claimId(submission: QueuedSubmission, body: unknown, idPath: string, ports: SubmissionPorts) {
  const fingerprint = fingerprintOf(body);
  const outcome = await ports.claims.claim(submission.id, fingerprint, ports.now());
  if (outcome === "conflict")
    throw new ClientError("idempotency_conflict", `response ${submission.id} was submitted before with another body`, [
      { path: idPath, message: "already used by a different submission; send that body again, or a new id" },
    ]);
  // A repeat was admitted the first time; counting it again would refuse a client's honest retry.
  if (outcome === "claimed" && ports.admit)
    try {
      await ports.admit(submission);
    } catch (refusal) {
      await ports.claims.release(submission.id, fingerprint);
      throw refusal;
    }
}

/** Accepts one submission and queues it; nothing is queued for one that breaks the contract. */
export async function submitOne(
  body: unknown,
  idempotencyKey: string | undefined,
  ports: SubmissionPorts,
): Promise<{ id: string; status: "accepted" }> {
  const accepted = acceptSubmission(body, { now: ports.now(), idempotencyKey, newId: ports.newId });
  if (!accepted.ok) throw validationFailed(accepted.details);
  const refused = ports.vouch?.(customerOf(body), "customer.signature");
  if (refused) throw refused;
  const idPath = (body as { id?: unknown }).id !== undefined ? "id" : "headers.idempotency-key";
  await claimId(accepted.value, body, idPath, ports);
  const failed = await ports.queue.send([accepted.value]);
  if (failed.size > 0) throw queueUnavailable("the intake queue is unavailable; retry with the same id");
  await ports.queued?.([accepted.value]);
  return { id: accepted.value.id, status: "accepted" };
}

/** Accepts and queues each item of `{"responses": [...]}` on its own: one result per item, in order. */
export async function submitBatch(body: unknown, ports: SubmissionPorts): Promise<BatchResult> {
  const envelope = parseWith(batchSubmissionSchema, body);
  if (!envelope.ok) throw validationFailed(envelope.details);
  const items = envelope.value.responses;
  const now = ports.now();
  const results: BatchResult["results"] = [];
  const checked: { index: number; item: unknown; submission: QueuedSubmission }[] = [];
  items.forEach((item, index) => {
    const path = `responses.${index}`;
    // Before anything walks the item recursively (JSON.stringify below): its depth is bounded then.
    const unstorable = storableProblems(item, path);
    if (unstorable.length > 0) {
      results.push({ index, status: "rejected", error: itemError(validationFailed(unstorable)) });
      return;
    }
    if (Buffer.byteLength(JSON.stringify(item), "utf8") > MAX_SUBMISSION_BYTES) {
      const error = new ClientError("payload_too_large", `item exceeds ${MAX_SUBMISSION_BYTES} bytes`, [
        { path, message: `at most ${MAX_SUBMISSION_BYTES} bytes` },
      ]);
      results.push({ index, status: "rejected", error: itemError(error) });
      return;
    }
    const accepted = acceptSubmission(item, { now, newId: ports.newId, pathPrefix: path });
    if (!accepted.ok) {
      results.push({ index, status: "rejected", error: itemError(validationFailed(accepted.details)) });
      return;
    }
    const refused = ports.vouch?.(customerOf(item), `${path}.customer.signature`);
    if (refused) results.push({ index, status: "rejected", error: itemError(refused) });
    else checked.push({ index, item, submission: accepted.value });
  });
  // The claims are independent writes: made together, a batch of 100 costs one round trip, not 100.
  const claims = await Promise.allSettled(
    checked.map(({ index, item, submission }) => claimId(submission, item, `responses.${index}.id`, ports)),
  );
  const toQueue: { index: number; submission: QueuedSubmission }[] = [];
  claims.forEach((claim, position) => {
    const { index, submission } = checked[position] as (typeof checked)[number];
    if (claim.status === "fulfilled") toQueue.push({ index, submission });
    else if (claim.reason instanceof ClientError)
      results.push({ index, status: "rejected", error: itemError(claim.reason) });
    else throw claim.reason;
  });
  const failed = await ports.queue.send(toQueue.map((entry) => entry.submission));
  toQueue.forEach(({ index, submission }, position) => {
    results.push(
      failed.has(position)
        ? {
            index,
            status: "rejected",
            error: itemError(queueUnavailable("queue unavailable; retry this item with the same id")),
          }
        : { index, id: submission.id, status: "accepted" },
    );
  });
  await ports.queued?.(toQueue.filter((_, position) => !failed.has(position)).map((entry) => entry.submission));
  results.sort((a, b) => a.index - b.index);
  const accepted = results.filter((result) => result.status === "accepted").length;
  return { accepted, rejected: results.length - accepted, results };
}
