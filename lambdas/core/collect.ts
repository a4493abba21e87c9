import { createHmac, timingSafeEqual } from "node:crypto";
import type { Eligibility, SurveySettings } from "../contracts/collect";
import type { QueuedSubmission } from "../contracts/record";
import { ClientError } from "./client-error";

const DAY_MS = 86_400_000;

/** What the site's server computes and puts in `data-customer-signature`: hex HMAC-SHA256 of the id. */
export const customerSignature = (secret: string, customerId: string) =>
  createHmac("sha256", secret).update(customerId, "utf8").digest("hex");

/** Whether a browser may speak for a customer id: a signature is checked whenever one is sent, and needed when required. */
export interface IdentityPolicy {
  secret: string;
  required: boolean;
}

/**
 * The refusal, if any, for a browser's claim to be `customer.id`: a wrong signature always, a missing one when
 * the stage requires signed ids. A response without a customer id speaks for nobody and passes.
 */
export function identityRefusal(
  customer: { id?: unknown; signature?: unknown } | undefined,
  policy: IdentityPolicy,
  path: string,
): ClientError | null {
  if (typeof customer?.id !== "string") return null;
  const given = typeof customer.signature === "string" ? customer.signature : undefined;
  if (given === undefined && !policy.required) return null;
  const expected = customerSignature(policy.secret, customer.id);
  const matches =
    given !== undefined &&
    given.length === expected.length &&
    timingSafeEqual(Buffer.from(given), Buffer.from(expected));
  if (matches) return null;
  return new ClientError(
    "forbidden",
    given === undefined
      ? "this stage accepts only signed customer ids from web pages"
      : "the customer signature does not match the customer id",
    [
      {
        path,
        message: "must be the HMAC-SHA256 of the customer id with the stage's identity secret, made by your server",
      },
    ],
  );
}

export interface SurveyAnswerLog {
  /** When the customer last answered the survey, if within what is kept. */
  lastAnswered(customerId: string, survey: string): Promise<Date | null>;
  /** Records an answer at `at` (kept `keepDays`); an older answer never replaces a newer one. */
  recordAnswer(customerId: string, survey: string, at: Date, keepDays: number): Promise<void>;
}

/** When the customer may be asked the survey again; null when the survey is not throttled or they may now. */
export async function nextEligibleAt(
  customerId: string,
  survey: string,
  surveys: SurveySettings,
  log: Pick<SurveyAnswerLog, "lastAnswered">,
  now: Date,
): Promise<Date | null> {
  const days = surveys[survey]?.throttleDays;
  if (!days) return null;
  const last = await log.lastAnswered(customerId, survey);
  if (!last) return null;
  const next = new Date(last.getTime() + days * DAY_MS);
  return next > now ? next : null;
}

export async function eligibility(
  customerId: string,
  survey: string,
  surveys: SurveySettings,
  log: Pick<SurveyAnswerLog, "lastAnswered">,
  now: Date,
): Promise<Eligibility> {
  const next = await nextEligibleAt(customerId, survey, surveys, log, now);
  return { eligible: next === null, nextEligibleAt: next?.toISOString() ?? null };
}

/** The `admit` of a browser submission: a customer inside the survey's throttle window is refused (429). */
export const outsideThrottle =
  (surveys: SurveySettings, log: Pick<SurveyAnswerLog, "lastAnswered">, now: () => Date) =>
  async (submission: QueuedSubmission): Promise<void> => {
    const customerId = submission.customer?.id;
    if (!customerId || !submission.survey) return;
    const at = now();
    const next = await nextEligibleAt(customerId, submission.survey, surveys, log, at);
    if (!next) return;
    throw new ClientError(
      "survey_throttled",
      `this customer answered survey ${submission.survey} recently; they may be asked again from ${next.toISOString()}`,
      [
        {
          path: "customer.id",
          message: `answered ${submission.survey} within its ${surveys[submission.survey]?.throttleDays} days`,
        },
      ],
      { "retry-after": String(Math.ceil((next.getTime() - at.getTime()) / 1000)) },
    );
  };

/** After a submission is queued, from any key: its answer starts the survey's throttle window for the customer. */
export const recordAnswers =
  (surveys: SurveySettings, log: Pick<SurveyAnswerLog, "recordAnswer">) =>
  async (submissions: readonly QueuedSubmission[]): Promise<void> => {
    await Promise.all(
      submissions.flatMap((submission) => {
        const days = submission.survey ? surveys[submission.survey]?.throttleDays : undefined;
        const customerId = submission.customer?.id;
        if (!days || !customerId || !submission.survey) return [];
        return [log.recordAnswer(customerId, submission.survey, new Date(submission.submittedAt), days)];
      }),
    );
  };
