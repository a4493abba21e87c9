import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { type Caller, isBrowserKey } from "../contracts/auth";
import { ClientError } from "../core/client-error";
import { perCustomerAndSurvey, type SubmissionPorts, submitBatch, submitOne } from "../core/submission";
import { abuseControl, apiAuth, newId, now, rateLimiter, submissionClaims, submissionQueue } from "./composition-root";
import { httpHandler } from "./http";
import { metrics } from "./observability";

const shared: SubmissionPorts = { queue: submissionQueue(), claims: submissionClaims(), now, newId };
const { perCustomerSurvey } = abuseControl();
const browserPorts: SubmissionPorts = perCustomerSurvey
  ? { ...shared, admit: perCustomerAndSurvey(rateLimiter(), perCustomerSurvey) }
  : shared;
/** Browser keys are public, so what they submit is limited; servers' keys are trusted with volume. */
const portsFor = (caller: Caller) => (isBrowserKey(caller) ? browserPorts : shared);

export const handler = httpHandler<"intake">(
  {
    submitResponse: async ({ body, header, caller }) => {
      try {
        const accepted = await submitOne(body, header("idempotency-key"), portsFor(caller));
        metrics.addMetric("SubmissionsAccepted", MetricUnit.Count, 1);
        return { status: 202, body: accepted };
      } catch (error) {
        if (error instanceof ClientError && error.code === "validation_failed")
          metrics.addMetric("SubmissionsRejected", MetricUnit.Count, 1);
        throw error;
      }
    },
    submitResponses: async ({ body, caller }) => {
      const result = await submitBatch(body, portsFor(caller));
      metrics.addMetric("SubmissionsAccepted", MetricUnit.Count, result.accepted);
      metrics.addMetric("SubmissionsRejected", MetricUnit.Count, result.rejected);
      return { status: 200, body: result };
    },
  },
  { auth: apiAuth(), emitMetrics: true },
);
