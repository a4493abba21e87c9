import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import middy from "@middy/core";
import type { ScheduledEvent } from "aws-lambda";
import { CaseStore } from "../adapters/case-store";
import { dynamoDocumentClient } from "../adapters/clients";
import { ResponseStore } from "../adapters/response-store";
import { readEnv } from "../contracts/runtime-env";
import { type CommentRetentionResult, expireComments } from "../core/comment-retention";
import { logger, metrics } from "./observability";

const env = readEnv(["tableName", "commentRetentionDays"]);
if (!env.commentRetentionDays) throw new Error("cxloop configuration error: COMMENT_RETENTION_DAYS is required");
const retentionDays = env.commentRetentionDays;
const responses = new ResponseStore(dynamoDocumentClient(), env.tableName);
const cases = new CaseStore(dynamoDocumentClient(), env.tableName);
/** Stop this long before the timeout, so progress is saved and the next run goes on from there. */
const STOP_BEFORE_TIMEOUT_MS = 60_000;

/** Runs daily: removes comments past retention from responses and their cases. A rerun finds nothing new to do. */
export const handler = middy<ScheduledEvent, CommentRetentionResult>()
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics))
  .handler(async (_event, context) => {
    const result = await expireComments({
      responses,
      cases,
      retentionDays,
      now: () => new Date(),
      hasTime: () => context.getRemainingTimeInMillis() > STOP_BEFORE_TIMEOUT_MS,
    });
    metrics.addMetric("CommentsExpired", MetricUnit.Count, result.stripped);
    logger.info("comment retention sweep finished", { ...result });
    return result;
  });
