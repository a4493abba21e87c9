import type { QueuedSubmission } from "../contracts/record";
import { ClientError } from "../core/client-error";
import { recordAnswers } from "../core/collect";
import {
  DELIGHTED_SIGNATURE_HEADER,
  delightedSubmissions,
  formbricksSubmissions,
  verifyDelighted,
  verifyFormbricks,
} from "../core/inbound-hooks";
import { apiAuth, formbricksSurveys, now, submissionQueue, surveyAnswers, surveySettings } from "./composition-root";
import { httpHandler } from "./http";
import { inboundHookSecrets } from "./stage-secrets";

const queue = submissionQueue();
const answered = recordAnswers(surveySettings(), surveyAnswers());

/**
 * Straight onto the intake queue, past intake's claims: a peer's event carries its own revision, and enrichment
 * keeps the newest version of each response, so a redelivered or late event changes nothing.
 */
async function enqueue(submissions: QueuedSubmission[]): Promise<string[]> {
  if (submissions.length === 0) return [];
  const failed = await queue.send(submissions);
  if (failed.size > 0)
    throw new ClientError("unavailable", "the intake queue is unavailable; the sender retries", [], {
      "retry-after": "30",
    });
  await answered(submissions);
  return submissions.map((submission) => submission.id);
}

/** Peers' webhooks (Delighted, Formbricks): verified against the raw body, then stored as those tools' ids. */
export const handler = httpHandler<"hooks">(
  {
    receiveDelightedHook: async ({ body, header }) => {
      verifyDelighted(body, header(DELIGHTED_SIGNATURE_HEADER), (await inboundHookSecrets()).delightedApiKey);
      return { status: 200, body: { queued: await enqueue(delightedSubmissions(body, now())), ignored: null } };
    },
    receiveFormbricksHook: async ({ body, header }) => {
      verifyFormbricks(body, header, (await inboundHookSecrets()).formbricksWebhookSecret);
      const { submissions, ignored } = formbricksSubmissions(body, formbricksSurveys(), now());
      return { status: 200, body: { queued: await enqueue(submissions), ignored } };
    },
  },
  { auth: apiAuth() },
);
