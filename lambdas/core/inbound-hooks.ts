/**
 * Peers' webhooks as submissions: Delighted's and Formbricks' response events, verified against the raw body
 * they signed, mapped as the importers map those tools' exports (same ids, so a hook and an import of the same
 * response are one response), and queued with a revision from the peer's update time, so an update (the comment
 * usually arrives in one) replaces the stored response and the newest version wins whatever order they come in.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { Webhook, WebhookVerificationError } from "standardwebhooks";
import type { ErrorDetail } from "../contracts/errors";
import type { FormbricksSurveys } from "../contracts/formbricks-mapping";
import { delightedEventSchema, formbricksEventSchema } from "../contracts/inbound-hooks";
import type { QueuedSubmission } from "../contracts/record";
import { ClientError, validationFailed } from "./client-error";
import { mapDelightedResponse } from "./importers/delighted";
import { mapFormbricksResponse } from "./importers/formbricks";
import { checkSubmissions, instantOf, type Mapped } from "./importers/shape";
import { parseWith } from "./validation";

export const DELIGHTED_SIGNATURE_HEADER = "x-delighted-webhook-signature";

/** What Delighted sends in its signature header: `sha256=` and the hex HMAC-SHA256 of the raw body under the API key. */
export const delightedSignature = (apiKey: string, rawBody: string) =>
  `sha256=${createHmac("sha256", apiKey).update(rawBody, "utf8").digest("hex")}`;

const unauthorized = (path: string, message: string) =>
  new ClientError("unauthorized", `the webhook's signature does not verify: ${message}`, [{ path, message }]);

/** Refuses a Delighted event whose signature is missing or wrong (or when no API key is configured to check it). */
export function verifyDelighted(rawBody: string, signature: string | undefined, apiKey: string | undefined): void {
  const path = `headers.${DELIGHTED_SIGNATURE_HEADER}`;
  if (!apiKey) throw unauthorized(path, "this stage has no Delighted API key to verify it with");
  if (!signature) throw unauthorized(path, "missing");
  const expected = Buffer.from(delightedSignature(apiKey, rawBody));
  const given = Buffer.from(signature.trim());
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    throw unauthorized(path, "must be sha256=<hex HMAC-SHA256 of the body with the Delighted API key>");
}

/** Refuses a Formbricks event that Standard Webhooks' verification rejects (signature, or a timestamp too far off). */
export function verifyFormbricks(
  rawBody: string,
  header: (name: string) => string | undefined,
  secret: string | undefined,
): void {
  if (!secret) throw unauthorized("headers.webhook-signature", "this stage has no Formbricks webhook secret");
  const headers = Object.fromEntries(
    ["webhook-id", "webhook-timestamp", "webhook-signature"].map((name) => [name, header(name) ?? ""]),
  );
  try {
    new Webhook(secret).verify(rawBody, headers);
  } catch (error) {
    if (error instanceof WebhookVerificationError) throw unauthorized("headers.webhook-signature", error.message);
    throw error;
  }
}

function parsedBody(rawBody: string): unknown {
  try {
    return JSON.parse(rawBody) as unknown;
  } catch {
    throw new ClientError("invalid_json", "body is not valid JSON", [{ path: "body", message: "a JSON event" }]);
  }
}

const prefixed = (prefix: string, details: readonly ErrorDetail[]) =>
  details.map((detail) => ({ ...detail, path: detail.path === "body" ? prefix : `${prefix}.${detail.path}` }));

/** The mapped submissions, each checked as intake checks one, with the revision they replace older versions by. */
function queuedWithRevision(mapped: Mapped, prefix: string, revision: number, now: Date): QueuedSubmission[] {
  if (mapped.problems.length > 0) throw validationFailed(prefixed(prefix, mapped.problems));
  const checked = checkSubmissions(mapped, now);
  const refused = checked.flatMap((item) => (item.ok ? [] : item.details));
  if (refused.length > 0) throw validationFailed(prefixed(prefix, refused));
  return checked.flatMap((item) => (item.ok ? [{ ...item.queued, revision }] : []));
}

/**
 * A peer's update time as a revision, in the finest unit it gives (Delighted: seconds; Formbricks: milliseconds, as
 * it updates a response page by page); `bump` orders an update after a create of the same instant.
 */
const revisionAt = (instant: string | null, unitMs: number, bump: number) =>
  instant ? Math.floor(Date.parse(instant) / unitMs) * 2 + bump : bump + 1;

/** A Delighted `survey_response.created` or `.updated` event as its submission. */
export function delightedSubmissions(rawBody: string, now: Date): QueuedSubmission[] {
  const event = parseWith(delightedEventSchema, parsedBody(rawBody));
  if (!event.ok) throw validationFailed(event.details);
  const response = event.value.event_data as Record<string, unknown>;
  const updated = event.value.event_type === "survey_response.updated";
  const at = instantOf(updated ? (response.updated_at ?? response.created_at) : response.created_at);
  return queuedWithRevision(mapDelightedResponse(response), "event_data", revisionAt(at, 1000, updated ? 1 : 0), now);
}

export type FormbricksOutcome = { submissions: QueuedSubmission[]; ignored: string | null };

/**
 * A Formbricks response event as the submissions of its mapped questions (one per scored question). A survey
 * not in the mapping, or a response with no mapped answer yet (a `responseCreated` as the first page is
 * answered), is acknowledged and ignored: refusing it would only make Formbricks send it again.
 */
export function formbricksSubmissions(rawBody: string, surveys: FormbricksSurveys, now: Date): FormbricksOutcome {
  const event = parseWith(formbricksEventSchema, parsedBody(rawBody));
  if (!event.ok) throw validationFailed(event.details);
  const response = event.value.data;
  if (!response.surveyId || !surveys[response.surveyId])
    return {
      submissions: [],
      ignored: `survey ${response.surveyId ?? "(none)"} is not in the stage's integrations.formbricksSurveys`,
    };
  const at = instantOf(response.updatedAt ?? response.createdAt);
  const bump = event.value.event === "responseCreated" ? 0 : 1;
  const submissions = queuedWithRevision(
    mapFormbricksResponse(response, surveys),
    "data",
    revisionAt(at, 1, bump),
    now,
  );
  return { submissions, ignored: submissions.length > 0 ? null : "no mapped question is answered yet" };
}
