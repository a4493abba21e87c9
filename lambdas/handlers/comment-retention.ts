import { expireComments } from "../core/comment-retention";
import { caseStore, now, requiredCommentRetentionDays, responseStore } from "./composition-root";
import { scheduledJob } from "./scheduled-job";

const ports = { responses: responseStore(), cases: caseStore(), retentionDays: requiredCommentRetentionDays(), now };
/** Stop this long before the timeout, so progress is saved and the next run goes on from there. */
const STOP_BEFORE_TIMEOUT_MS = 60_000;

/** Runs daily: removes comments past retention from responses and their cases. A rerun finds nothing new to do. */
export const handler = scheduledJob(
  "comment retention sweep",
  (context) => expireComments({ ...ports, hasTime: () => context.getRemainingTimeInMillis() > STOP_BEFORE_TIMEOUT_MS }),
  (result) => ({ metric: "CommentsExpired", count: result.stripped, summary: { ...result } }),
);
