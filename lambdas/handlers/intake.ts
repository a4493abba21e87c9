import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { type Caller, isBrowserKey } from "../contracts/auth";
import { ClientError } from "../core/client-error";
import { eligibility, identityRefusal, nextEligibleAt, outsideThrottle, recordAnswers } from "../core/collect";
import { perCustomerAndSurvey, type SubmissionPorts, submitBatch, submitOne } from "../core/submission";
import {
  answerSurveyLink,
  issueSurveyLink,
  type Link,
  type LinkPage,
  openSurveyLink,
  readSurveyLink,
  type SurveyLinkPorts,
  scoreSurveyLink,
  surveyLinkKey,
} from "../core/survey-links";
import { renderSurveyPage, SURVEY_PAGE_HEADERS, surveyProblemPage } from "../core/survey-page";
import {
  abuseControl,
  apiAuth,
  newId,
  now,
  rateLimiter,
  submissionClaims,
  submissionQueue,
  surveyAnswers,
  surveyLinkBaseUrl,
  surveyLinkLedger,
  surveySettings,
} from "./composition-root";
import { httpHandler } from "./http";
import { metrics } from "./observability";
import { identityPolicy } from "./stage-secrets";

const surveys = surveySettings();
const shared: SubmissionPorts = {
  queue: submissionQueue(),
  claims: submissionClaims(),
  now,
  newId,
  queued: recordAnswers(surveys, surveyAnswers()),
};
const { perCustomerSurvey } = abuseControl();
const throttle = outsideThrottle(surveys, surveyAnswers(), now);
const perCustomer = perCustomerSurvey && perCustomerAndSurvey(rateLimiter(), perCustomerSurvey);

const linkPorts: SurveyLinkPorts = {
  ledger: surveyLinkLedger(),
  queue: async (submission) => {
    if ((await shared.queue.send([submission])).size > 0) return false;
    await shared.queued?.([submission]);
    return true;
  },
  now,
  newId,
};

/** The key links are signed with; none when the stage has no identity secret (then there are no links). */
async function linkKey(): Promise<Uint8Array | null> {
  const identity = await identityPolicy();
  return identity && surveyLinkKey(identity.secret);
}

/** A page for a link's token: what `step` shows for a good link, or why the link cannot be used. */
async function linkPage(token: string, step: (link: Link) => Promise<LinkPage>) {
  const key = await linkKey();
  const check = key ? await readSurveyLink(token, key, now()) : ({ ok: false, problem: "forged" } as const);
  const page: LinkPage = check.ok
    ? await step(check.link)
    : check.problem === "expired"
      ? { kind: "expired", ...(check.locale ? { locale: check.locale } : {}) }
      : { kind: "forged" };
  const { status, html } = renderSurveyPage(page);
  return { status, body: html, headers: SURVEY_PAGE_HEADERS } as const;
}

/**
 * Browser keys are public, so what they submit is limited: a customer id only with its signature (when the
 * stage has an identity secret), a customer not asked again within the survey's throttle, so many per
 * customer and survey. Servers' keys are trusted with volume and with importing history.
 */
async function portsFor(caller: Caller): Promise<SubmissionPorts> {
  if (!isBrowserKey(caller)) return shared;
  const identity = await identityPolicy();
  return {
    ...shared,
    admit: async (submission) => {
      await throttle(submission);
      if (perCustomer) await perCustomer(submission);
    },
    ...(identity ? { vouch: (customer, path) => identityRefusal(customer, identity, path) } : {}),
  };
}

export const handler = httpHandler<"intake">(
  {
    submitResponse: async ({ body, header, caller }) => {
      try {
        const accepted = await submitOne(body, header("idempotency-key"), await portsFor(caller));
        metrics.addMetric("SubmissionsAccepted", MetricUnit.Count, 1);
        return { status: 202, body: accepted };
      } catch (error) {
        if (error instanceof ClientError && error.code === "validation_failed")
          metrics.addMetric("SubmissionsRejected", MetricUnit.Count, 1);
        throw error;
      }
    },
    submitResponses: async ({ body, caller }) => {
      const result = await submitBatch(body, await portsFor(caller));
      metrics.addMetric("SubmissionsAccepted", MetricUnit.Count, result.accepted);
      metrics.addMetric("SubmissionsRejected", MetricUnit.Count, result.rejected);
      return { status: 200, body: result };
    },
    getSurveyEligibility: async ({ query, caller }) => {
      const identity = isBrowserKey(caller) ? await identityPolicy() : null;
      const refused =
        identity && identityRefusal({ id: query.customerId, signature: query.signature }, identity, "query.signature");
      if (refused) throw refused;
      return { status: 200, body: await eligibility(query.customerId, query.survey, surveys, surveyAnswers(), now()) };
    },
    createSurveyLink: async ({ body, baseUrl }) => {
      const key = await linkKey();
      if (!key) throw new ClientError("unavailable", "this stage has no identity secret to sign survey links with");
      const at = now();
      const next = await nextEligibleAt(body.customer.id, body.survey, surveys, surveyAnswers(), at);
      if (next)
        throw new ClientError(
          "survey_throttled",
          `customer ${body.customer.id} answered survey ${body.survey} recently; ask again from ${next.toISOString()}`,
          [
            {
              path: "customer.id",
              message: `answered ${body.survey} within its ${surveys[body.survey]?.throttleDays} days`,
            },
          ],
        );
      const base = surveyLinkBaseUrl() ?? baseUrl;
      const link = await issueSurveyLink(body, { key, now: at, newId, pageUrl: (token) => `${base}/s/${token}` });
      return { status: 201, body: link };
    },
    getSurveyPage: ({ path, query }) =>
      linkPage(path.token, (link) =>
        query.score === undefined ? openSurveyLink(link, linkPorts) : scoreSurveyLink(link, query.score, linkPorts),
      ),
    answerSurveyPage: ({ path, body }) => linkPage(path.token, (link) => answerSurveyLink(link, body, linkPorts)),
  },
  {
    auth: apiAuth(),
    emitMetrics: true,
    errorPage: (reason) => ({ html: surveyProblemPage(reason), headers: SURVEY_PAGE_HEADERS }),
  },
);
