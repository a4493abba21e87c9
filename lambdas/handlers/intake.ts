import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { ClientError } from "../core/client-error";
import { submitBatch, submitOne } from "../core/submission";
import { apiAuth, newId, now, submissionClaims, submissionQueue } from "./composition-root";
import { httpHandler } from "./http";
import { metrics } from "./observability";

const ports = { queue: submissionQueue(), claims: submissionClaims(), now, newId };

export const handler = httpHandler<"intake">(
  {
    submitResponse: async ({ body, header }) => {
      try {
        const accepted = await submitOne(body, header("idempotency-key"), ports);
        metrics.addMetric("SubmissionsAccepted", MetricUnit.Count, 1);
        return { status: 202, body: accepted };
      } catch (error) {
        if (error instanceof ClientError && error.code === "validation_failed")
          metrics.addMetric("SubmissionsRejected", MetricUnit.Count, 1);
        throw error;
      }
    },
    submitResponses: async ({ body }) => {
      const result = await submitBatch(body, ports);
      metrics.addMetric("SubmissionsAccepted", MetricUnit.Count, result.accepted);
      metrics.addMetric("SubmissionsRejected", MetricUnit.Count, result.rejected);
      return { status: 200, body: result };
    },
  },
  { auth: apiAuth(), emitMetrics: true },
);
