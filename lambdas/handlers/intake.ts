import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import middy from "@middy/core";
import { ulid } from "ulid";
import { sqsClient } from "../adapters/clients";
import { SubmissionQueue } from "../adapters/submission-queue";
import type { ErrorBody } from "../contracts/errors";
import type { QueuedSubmission } from "../contracts/record";
import { ApiRoute } from "../contracts/routes";
import { readEnv } from "../contracts/runtime-env";
import { batchSubmissionSchema, MAX_BATCH_BYTES, MAX_SUBMISSION_BYTES } from "../contracts/submission";
import { acceptSubmission } from "../core/submission";
import { parseWith } from "../core/validation";
import {
  errorBody,
  HttpError,
  type HttpEvent,
  type HttpResult,
  header,
  httpErrors,
  json,
  jsonBody,
  requireScope,
  validationError,
} from "./http";
import { logger, metrics } from "./observability";

const env = readEnv(["queueUrl", "apiKeys", "allowedOrigins"]);
const auth = { keys: env.apiKeys, allowedOrigins: env.allowedOrigins };
const queue = new SubmissionQueue(sqsClient(), env.queueUrl);

const unavailable = () =>
  new HttpError(503, "unavailable", "the intake queue is unavailable; retry with the same id", [], {
    "retry-after": "5",
  });

async function submitOne(event: HttpEvent): Promise<HttpResult> {
  const body = jsonBody(event, MAX_SUBMISSION_BYTES);
  const accepted = acceptSubmission(body, {
    now: new Date(),
    idempotencyKey: header(event, "idempotency-key"),
    newId: ulid,
  });
  if (!accepted.ok) {
    metrics.addMetric("SubmissionsRejected", MetricUnit.Count, 1);
    throw validationError(accepted.details);
  }
  const failed = await queue.send([accepted.value]);
  if (failed.size > 0) throw unavailable();
  metrics.addMetric("SubmissionsAccepted", MetricUnit.Count, 1);
  return json(202, { id: accepted.value.id, status: "accepted" });
}

type BatchResult =
  | { index: number; id: string; status: "accepted" }
  | { index: number; status: "rejected"; error: ErrorBody["error"] };

async function submitBatch(event: HttpEvent): Promise<HttpResult> {
  const envelope = parseWith(batchSubmissionSchema, jsonBody(event, MAX_BATCH_BYTES));
  if (!envelope.ok) throw validationError(envelope.details);
  const now = new Date();
  const results: BatchResult[] = [];
  const toQueue: { index: number; submission: QueuedSubmission }[] = [];
  envelope.value.responses.forEach((item, index) => {
    if (Buffer.byteLength(JSON.stringify(item), "utf8") > MAX_SUBMISSION_BYTES) {
      const path = `responses.${index}`;
      results.push({
        index,
        status: "rejected",
        error: errorBody("payload_too_large", `item exceeds ${MAX_SUBMISSION_BYTES} bytes`, [
          { path, message: `at most ${MAX_SUBMISSION_BYTES} bytes` },
        ]).error,
      });
      return;
    }
    const accepted = acceptSubmission(item, { now, newId: ulid, pathPrefix: `responses.${index}` });
    if (accepted.ok) toQueue.push({ index, submission: accepted.value });
    else {
      results.push({ index, status: "rejected", error: validationError(accepted.details).toBody().error });
    }
  });
  const failed = await queue.send(toQueue.map((entry) => entry.submission));
  toQueue.forEach(({ index, submission }, position) => {
    results.push(
      failed.has(position)
        ? {
            index,
            status: "rejected",
            error: errorBody("unavailable", "queue unavailable; retry this item with the same id").error,
          }
        : { index, id: submission.id, status: "accepted" },
    );
  });
  results.sort((a, b) => a.index - b.index);
  const acceptedCount = results.filter((result) => result.status === "accepted").length;
  metrics.addMetric("SubmissionsAccepted", MetricUnit.Count, acceptedCount);
  metrics.addMetric("SubmissionsRejected", MetricUnit.Count, results.length - acceptedCount);
  return json(200, { accepted: acceptedCount, rejected: results.length - acceptedCount, results });
}

export const handler = middy<HttpEvent, HttpResult>()
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics))
  .use(httpErrors(logger))
  .handler(async (event) => {
    requireScope(event, "submit", auth);
    if (event.routeKey === ApiRoute.submitBatch) return submitBatch(event);
    return submitOne(event);
  });
