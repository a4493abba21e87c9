import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { type Caller, isBrowserKey } from "../contracts/auth";
import { ClientError } from "../core/client-error";
import { eligibility, identityRefusal, outsideThrottle, recordAnswers } from "../core/collect";
import { perCustomerAndSurvey, type SubmissionPorts, submitBatch, submitOne } from "../core/submission";
import {
  abuseControl,
  apiAuth,
  identityPolicy,
  newId,
  now,
  rateLimiter,
  submissionClaims,
  submissionQueue,
  surveyAnswers,
  surveySettings,
} from "./composition-root";
import { httpHandler } from "./http";
import { metrics } from "./observability";

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
  },
  { auth: apiAuth(), emitMetrics: true },
);
