/**
 * Personal survey links: a signed, expiring token that answers one survey for one customer, once. The token
 * names the response id, so a second click, a reload or a retried form is the same response, never a second.
 */
import { createHash, hkdfSync } from "node:crypto";
import { errors, jwtVerify, SignJWT } from "jose";
import * as z from "zod";
import type { QueuedSubmission } from "../contracts/record";
import { scaleSchema } from "../contracts/submission";
import type { SurveyLink, SurveyLinkRequest } from "../contracts/survey-links";
import { SURVEY_LINK_TYPES } from "../contracts/survey-links";
import { validationFailed } from "./client-error";
import { DEFAULT_SCALES } from "./scoring";
import { acceptSubmission } from "./submission";

const AUDIENCE = "cxloop:survey-link";
const DAY_MS = 86_400_000;

/**
 * The tokens' HMAC key, derived from the stage's identity secret. Not the secret itself: sites sign customer ids
 * with that, and a site that signed a chosen "customer id" shaped like a token's header and payload would have
 * forged a link. HKDF keys its extraction with a salt, so no customer signature is ever a token signature.
 */
export const surveyLinkKey = (identitySecret: string) =>
  new Uint8Array(hkdfSync("sha256", identitySecret, "cxloop", "survey link tokens v1", 32));

const linkClaimsSchema = z.object({
  jti: z.string().min(1).max(64),
  exp: z.number(),
  survey: z.string(),
  type: z.enum(SURVEY_LINK_TYPES),
  scale: scaleSchema,
  customer: z.object({ id: z.string(), email: z.string().optional(), name: z.string().optional() }),
  touchpoint: z.string().optional(),
  locale: z.string().optional(),
});
/** What a verified token says: the question, who answers it, and the response id it answers for. */
export type Link = z.infer<typeof linkClaimsSchema> & { responseId: string };

const responseIdOf = (jti: string) => `link-${jti}`;

/** A score, its comment, and (for a comment after the score) when the score was given: the response's day. */
type Answer = { score: number; comment?: string; submittedAt?: string };

/** The submission a link's answer becomes: always the same id, answered by email. */
function submissionOf(link: Link, answer: Answer) {
  return {
    ...(answer.submittedAt ? { submittedAt: answer.submittedAt } : {}),
    id: link.responseId,
    type: link.type,
    score: answer.score,
    scale: link.scale,
    ...(answer.comment ? { comment: answer.comment } : {}),
    survey: link.survey,
    channel: "email",
    ...(link.touchpoint ? { touchpoint: link.touchpoint } : {}),
    ...(link.locale ? { locale: link.locale } : {}),
    customer: link.customer,
  };
}

/** Checks a link request as its answers will be checked, so a link that could never be answered is not made. */
export async function issueSurveyLink(
  request: SurveyLinkRequest,
  context: { key: Uint8Array; now: Date; newId: () => string; pageUrl: (token: string) => string },
): Promise<SurveyLink> {
  const scale = request.scale ?? DEFAULT_SCALES[request.type];
  const jti = context.newId();
  const claims = {
    survey: request.survey,
    type: request.type,
    scale,
    customer: request.customer,
    ...(request.touchpoint ? { touchpoint: request.touchpoint } : {}),
    ...(request.locale ? { locale: request.locale } : {}),
  };
  const link = { ...claims, jti, exp: 0, responseId: responseIdOf(jti) };
  const probe = acceptSubmission(submissionOf(link, { score: scale.min }), {
    now: context.now,
    newId: context.newId,
  });
  if (!probe.ok) throw validationFailed(probe.details);
  const expiresAt = new Date(context.now.getTime() + request.expiresInDays * DAY_MS);
  const token = await new SignJWT(claims)
    .setProtectedHeader({ alg: "HS256" })
    .setJti(jti)
    .setAudience(AUDIENCE)
    .setIssuedAt(Math.floor(context.now.getTime() / 1000))
    .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
    .sign(context.key);
  return { url: context.pageUrl(token), token, responseId: responseIdOf(jti), expiresAt: expiresAt.toISOString() };
}

export type TokenCheck =
  | { ok: true; link: Link }
  | { ok: false; problem: "expired"; locale?: string }
  | { ok: false; problem: "forged" };

/** A token we signed and that has not expired; an expired one still tells the language to say so in. */
export async function readSurveyLink(token: string, key: Uint8Array, now: Date): Promise<TokenCheck> {
  try {
    const { payload } = await jwtVerify(token, key, {
      algorithms: ["HS256"],
      audience: AUDIENCE,
      currentDate: now,
      requiredClaims: ["jti", "exp"],
    });
    const claims = linkClaimsSchema.safeParse(payload);
    if (!claims.success) return { ok: false, problem: "forged" };
    return { ok: true, link: { ...claims.data, responseId: responseIdOf(claims.data.jti) } };
  } catch (error) {
    // jose checks the signature before the claims: an expired token's payload is ours.
    if (error instanceof errors.JWTExpired) {
      const locale = error.payload.locale;
      return { ok: false, problem: "expired", ...(typeof locale === "string" ? { locale } : {}) };
    }
    if (error instanceof errors.JOSEError) return { ok: false, problem: "forged" };
    throw error;
  }
}

/** How far a link's one response has got. */
export type LinkProgress = { score: number; scoredAt: string; commentHash: string | null } | null;
export type LedgerOutcome = "claimed" | "repeated" | "taken";

/** Which answer a link gave, kept until the link expires; each step is taken once, atomically. */
export interface SurveyLinkLedger {
  progress(jti: string): Promise<LinkProgress>;
  /** The answer's score (with its comment's hash when the comment came with it); `taken` if another answer was. */
  claimScore(jti: string, claim: NonNullable<LinkProgress>, keepUntil: Date): Promise<LedgerOutcome>;
  /** The comment that completes a scored answer; `taken` if another comment did, `repeated` if this one. */
  claimComment(jti: string, score: number, commentHash: string): Promise<LedgerOutcome>;
  /** Undo a claim whose submission could not be queued, so the person can try again. */
  releaseScore(jti: string, scoredAt: string): Promise<void>;
  releaseComment(jti: string, commentHash: string): Promise<void>;
}

export interface SurveyLinkPorts {
  ledger: SurveyLinkLedger;
  /** Queues the answer; `revision` 1 replaces the score-only response with the commented one. */
  queue(submission: QueuedSubmission): Promise<boolean>;
  now: () => Date;
  newId: () => string;
}

/** What the hosted page shows next, and with which status. */
export type LinkPage =
  | { kind: "question"; link: Link; status: 200 | 422; problem?: string }
  | { kind: "comment"; link: Link; score: number; status: 200 | 422; problem?: string }
  | { kind: "thanks"; link: Link }
  | { kind: "used"; link: Link }
  | { kind: "unavailable"; link: Link }
  | { kind: "expired"; locale?: string }
  | { kind: "forged" };

const hashOf = (comment: string) => createHash("sha256").update(comment, "utf8").digest("hex");

function accepted(link: Link, answer: Answer, ports: SurveyLinkPorts, revision: number) {
  const result = acceptSubmission(submissionOf(link, answer), { now: ports.now(), newId: ports.newId });
  if (!result.ok) return { ok: false as const, problem: result.details.map((detail) => detail.message).join("; ") };
  return { ok: true as const, submission: { ...result.value, ...(revision > 0 ? { revision } : {}) } };
}

/** Claims, then queues; a queue that fails gives the claim back, so nothing is recorded as answered but lost. */
async function claimAndQueue(
  step: { claim(): Promise<LedgerOutcome>; release(): Promise<void> },
  submission: QueuedSubmission,
  ports: SurveyLinkPorts,
): Promise<LedgerOutcome | "unavailable"> {
  const outcome = await step.claim();
  if (outcome !== "claimed") return outcome;
  if (await ports.queue(submission)) return outcome;
  await step.release();
  return "unavailable";
}

/** The first answer of a link: its score, with the comment when both came in one form. */
const scoreStep = (link: Link, claim: NonNullable<LinkProgress>, ports: SurveyLinkPorts) => ({
  claim: () => ports.ledger.claimScore(link.jti, claim, new Date(link.exp * 1000)),
  release: () => ports.ledger.releaseScore(link.jti, claim.scoredAt),
});

/** `GET /s/{token}`: the question, or the comment step when the link was scored, or that it was used. */
export async function openSurveyLink(link: Link, ports: SurveyLinkPorts): Promise<LinkPage> {
  const progress = await ports.ledger.progress(link.jti);
  if (!progress) return { kind: "question", link, status: 200 };
  if (progress.commentHash === null) return { kind: "comment", link, score: progress.score, status: 200 };
  return { kind: "used", link };
}

/** `GET /s/{token}?score=N`, the one-click answer: recorded at once, then the comment is asked for. */
export async function scoreSurveyLink(link: Link, score: number, ports: SurveyLinkPorts): Promise<LinkPage> {
  const progress = await ports.ledger.progress(link.jti);
  if (progress) {
    if (progress.score === score && progress.commentHash === null) return { kind: "comment", link, score, status: 200 };
    return { kind: "used", link };
  }
  const answer = accepted(link, { score }, ports, 0);
  if (!answer.ok) return { kind: "question", link, status: 422, problem: answer.problem };
  const claim = { score, scoredAt: answer.submission.submittedAt, commentHash: null };
  const outcome = await claimAndQueue(scoreStep(link, claim, ports), answer.submission, ports);
  if (outcome === "unavailable") return { kind: "unavailable", link };
  return outcome === "taken" ? { kind: "used", link } : { kind: "comment", link, score, status: 200 };
}

/** `POST /s/{token}`: the comment after a one-click score, or score and comment together from the page. */
export async function answerSurveyLink(
  link: Link,
  form: { score?: number; comment?: string },
  ports: SurveyLinkPorts,
): Promise<LinkPage> {
  const comment = form.comment?.trim() || undefined;
  const progress = await ports.ledger.progress(link.jti);
  if (progress?.commentHash) return progress.commentHash === (comment && hashOf(comment)) ? thanks(link) : used(link);
  if (progress) {
    if (!comment) return thanks(link);
    const answer = accepted(link, { score: progress.score, comment, submittedAt: progress.scoredAt }, ports, 1);
    if (!answer.ok) return { kind: "comment", link, score: progress.score, status: 422, problem: answer.problem };
    const commentHash = hashOf(comment);
    const outcome = await claimAndQueue(
      {
        claim: () => ports.ledger.claimComment(link.jti, progress.score, commentHash),
        release: () => ports.ledger.releaseComment(link.jti, commentHash),
      },
      answer.submission,
      ports,
    );
    return outcome === "unavailable" ? { kind: "unavailable", link } : outcome === "taken" ? used(link) : thanks(link);
  }
  if (form.score === undefined) return { kind: "question", link, status: 422, problem: "choose a score" };
  const answer = accepted(link, { score: form.score, ...(comment ? { comment } : {}) }, ports, 0);
  if (!answer.ok) return { kind: "question", link, status: 422, problem: answer.problem };
  const claim = {
    score: form.score,
    scoredAt: answer.submission.submittedAt,
    commentHash: comment ? hashOf(comment) : null,
  };
  const outcome = await claimAndQueue(scoreStep(link, claim, ports), answer.submission, ports);
  return outcome === "unavailable" ? { kind: "unavailable", link } : outcome === "taken" ? used(link) : thanks(link);
}

const thanks = (link: Link): LinkPage => ({ kind: "thanks", link });
const used = (link: Link): LinkPage => ({ kind: "used", link });
