import { ulid } from "ulid";
import { ActionPlanStore } from "../adapters/action-plan-store";
import { CaseStore, VersionConflictError } from "../adapters/case-store";
import { type ChartStore, LocalChartStore, S3ChartStore } from "../adapters/chart-store";
import { dynamoDocumentClient } from "../adapters/clients/dynamodb";
import { eventBridgeClient } from "../adapters/clients/eventbridge";
import { once } from "../adapters/clients/once";
import { s3Client } from "../adapters/clients/s3";
import { sqsClient } from "../adapters/clients/sqs";
import { CustomerStore } from "../adapters/customer-store";
import { DeliveryLog } from "../adapters/delivery-log";
import { EventPublisher } from "../adapters/event-publisher";
import {
  DynamoExportJobs,
  exportReader,
  LocalExportFiles,
  S3ExportFiles,
  SqsExportQueue,
} from "../adapters/export-store";
import { KeyStore } from "../adapters/key-store";
import { MetricsStore } from "../adapters/metrics-store";
import { createNotifiers } from "../adapters/notifiers";
import { looksLikeToken, PeopleTokens } from "../adapters/people-tokens";
import { RateCounters } from "../adapters/rate-counters";
import { ResponseStore } from "../adapters/response-store";
import { SubmissionClaims } from "../adapters/submission-claims";
import { SubmissionQueue } from "../adapters/submission-queue";
import { SurveyAnswers } from "../adapters/survey-answers";
import { SurveyLinkLedgerStore } from "../adapters/survey-link-ledger";
import { GuardedWebhookPoster } from "../adapters/webhook-poster";
import { WebhookDeliveryLog, WebhookQueue, WebhookStore } from "../adapters/webhook-store";
import { abuseControlSchema } from "../contracts/auth";
import { readEnv } from "../contracts/runtime-env";
import { MAX_CLOCK_SKEW_MS } from "../contracts/submission";
import { KeyDirectory } from "../core/api-keys";
import { dayOf } from "../core/calendar";
import { assessCustomerRisk, type CustomerRiskPorts, newestResponses } from "../core/customer-risk";
import { RateLimiter } from "../core/rate-limits";
import { lexiconAnalyzer, type SentimentAnalyzer, vaderAnalyzer } from "../core/sentiment";
import { createThemeMatcher } from "../core/themes";

/**
 * The one place adapters are built: once per container, from the validated environment, with the
 * stage's rules (comment retention, metrics time zone) applied at construction, so no entry point
 * can get a store that forgets them. Each export is built on first use, so a function reads and
 * validates only the variables of what it uses; entry points call them at module scope, so a
 * missing or bad variable still fails the cold start, naming the variable.
 *
 * Every export is a separate, pure-annotated binding, so esbuild drops what a function does not
 * import (and with it the SDK clients and libraries only other functions need).
 */
/** What every reader of the table must apply: retention hides expired comments, the time zone fixes days. */
const tableRules = /* @__PURE__ */ once(() => readEnv(["tableName", "commentRetentionDays", "metricsTimeZone"]));

export const now = () => new Date();
export const newId = ulid;

export const stageKeys = () => readEnv(["apiKeys"]).apiKeys;
export const keyStore = /* @__PURE__ */ once(() => new KeyStore(dynamoDocumentClient(), tableRules().tableName));
export const abuseControl = /* @__PURE__ */ once(
  () => readEnv(["abuseControl"]).abuseControl ?? abuseControlSchema.parse({}),
);
export const rateLimiter = /* @__PURE__ */ once(
  () => new RateLimiter(new RateCounters(dynamoDocumentClient(), tableRules().tableName), now),
);

export const apiAuth = /* @__PURE__ */ once(() => {
  const { apiKeys, allowedOrigins, peopleAuth } = readEnv(["apiKeys", "allowedOrigins", "peopleAuth"]);
  const { serverSideSubmitKeys, perKey, perSourceIp } = abuseControl();
  const keys = new KeyDirectory(apiKeys, keyStore(), now);
  const people = peopleAuth ? new PeopleTokens(peopleAuth) : null;
  return {
    directory: {
      find: (presented: string) =>
        people && looksLikeToken(presented) ? people.verify(presented) : keys.find(presented),
    },
    allowedOrigins,
    serverSideSubmitKeys,
    limits: { perKey, perSourceIp },
    limiter: rateLimiter(),
  };
});

export const surveySettings = /* @__PURE__ */ once(() => readEnv(["surveys"]).surveys);
export const surveyLinkBaseUrl = /* @__PURE__ */ once(
  () => readEnv(["surveyLinkBaseUrl"]).surveyLinkBaseUrl?.replace(/\/+$/, "") ?? null,
);
export const surveyLinkLedger = /* @__PURE__ */ once(
  () => new SurveyLinkLedgerStore(dynamoDocumentClient(), tableRules().tableName),
);
export const formbricksSurveys = /* @__PURE__ */ once(() => readEnv(["formbricksSurveys"]).formbricksSurveys);
export const surveyAnswers = /* @__PURE__ */ once(
  () => new SurveyAnswers(dynamoDocumentClient(), tableRules().tableName),
);
export const responseStore = /* @__PURE__ */ once(() => {
  const { tableName, commentRetentionDays } = tableRules();
  return new ResponseStore(dynamoDocumentClient(), tableName, { commentRetentionDays });
});

/** The digest's delivery log: what went out, per week and channel. */
export const deliveryLog = /* @__PURE__ */ once(() => new DeliveryLog(dynamoDocumentClient(), tableRules().tableName));
export const caseStore = /* @__PURE__ */ once(() => {
  const { tableName, commentRetentionDays } = tableRules();
  return new CaseStore(dynamoDocumentClient(), tableName, { commentRetentionDays });
});
export const isCaseConflict = (error: unknown) => error instanceof VersionConflictError;

export const customerStore = /* @__PURE__ */ once(
  () => new CustomerStore(dynamoDocumentClient(), tableRules().tableName),
);

export const aggregateStore = /* @__PURE__ */ once(() => {
  const { tableName, metricsTimeZone } = tableRules();
  return new MetricsStore(dynamoDocumentClient(), tableName, metricsTimeZone);
});
export const metricsTimeZone = () => tableRules().metricsTimeZone;
/** The stage's minimum answers for a figure to be more than `insufficient`. */
export const minResponses = /* @__PURE__ */ once(() => readEnv(["minResponses"]).minResponses);
/** Today in the stage's metrics time zone. */
export const today = () => dayOf(now(), metricsTimeZone());

/** What the action plans need: their store, the cases they link, and the day aggregates their effect is read from. */
export const actionPlanPorts = /* @__PURE__ */ once(() => ({
  plans: new ActionPlanStore(dynamoDocumentClient(), tableRules().tableName),
  cases: caseStore(),
  aggregates: aggregateStore(),
  today,
  now,
  newId,
  minResponses: minResponses(),
}));

export const eventPublisher = /* @__PURE__ */ once(
  () => new EventPublisher(eventBridgeClient(), readEnv(["eventBusName"]).eventBusName),
);

export const submissionClaims = /* @__PURE__ */ once(
  () => new SubmissionClaims(dynamoDocumentClient(), tableRules().tableName),
);

export const submissionQueue = /* @__PURE__ */ once(
  () => new SubmissionQueue(sqsClient(), readEnv(["queueUrl"]).queueUrl),
);

export const consoleUrl = /* @__PURE__ */ once(() => readEnv(["consoleUrl"]).consoleUrl ?? null);
/** Alerts link to the console's case page unless the stage names another `caseUrl`. */
export const followUpConfig = /* @__PURE__ */ once(() => {
  const config = readEnv(["followUpConfig"]).followUpConfig;
  const console = consoleUrl();
  return config.caseUrl || !console ? config : { ...config, caseUrl: `${console.replace(/\/$/, "")}/cases` };
});

/**
 * Comprehend's client is loaded on first use, not at cold start: most stages analyse offline, and the
 * client costs every enrich cold start 20-90 ms to load (bench/RESULTS.md).
 */
const comprehendSentiment = (): SentimentAnalyzer => {
  const analyzer = once(async () => {
    const [{ ComprehendSentiment }, { comprehendClient }] = await Promise.all([
      import("../adapters/comprehend-sentiment"),
      import("../adapters/clients/comprehend"),
    ]);
    return new ComprehendSentiment(comprehendClient());
  });
  return { analyze: async (texts, locale) => (await analyzer()).analyze(texts, locale) };
};

export const enrichment = /* @__PURE__ */ once(() => {
  const env = readEnv(["themes", "sentimentProvider", "journey"]);
  return {
    journey: env.journey,
    sentiment: { lexicon: lexiconAnalyzer, vader: vaderAnalyzer, comprehend: comprehendSentiment() }[
      env.sentimentProvider
    ],
    themes: createThemeMatcher(env.themes),
  };
});

export const notifiers = /* @__PURE__ */ once(() =>
  createNotifiers(readEnv(["slackWebhooks", "slackWebhooksSecretArn", "emailFrom", "smtpUrl"])),
);

/** Where the digest's chart goes for Slack: the stage's bucket on AWS, the local runtime's outbox locally, else nowhere. */
export const chartStore = /* @__PURE__ */ once((): ChartStore | null => {
  const { chartBucket, chartUploadUrl } = readEnv(["chartBucket", "chartUploadUrl"]);
  if (chartUploadUrl) return new LocalChartStore(chartUploadUrl);
  return chartBucket ? new S3ChartStore(s3Client(), chartBucket) : null;
});

export const churnRiskThreshold = /* @__PURE__ */ once(() => readEnv(["churnRiskThreshold"]).churnRiskThreshold);

/** How much history churn risk is computed from: the same window the 360° view shows. */
const RISK_HISTORY = 50;

/** Recomputing a customer's churn risk: for enrichment after a batch, and for the customers API after an event. */
export const customerRisk = /* @__PURE__ */ once((): CustomerRiskPorts => {
  const customers = customerStore();
  const responses = responseStore();
  const events = eventPublisher();
  return {
    load: async (customerId, justStored) => {
      const [{ profile, assessed }, history, customerCases, customerEvents] = await Promise.all([
        customers.getAssessed(customerId),
        // Up to the latest `submittedAt` intake accepts, so the window holds every stored response when it is not full.
        responses.list({
          customerId,
          from: new Date(0),
          to: new Date(now().getTime() + MAX_CLOCK_SKEW_MS),
          limit: RISK_HISTORY,
        }),
        caseStore().ofCustomer(customerId),
        customers.events(customerId, RISK_HISTORY),
      ]);
      const known = newestResponses(history.items, justStored);
      // The count is what is known unless the window is full: only then does the count read the customer's whole history.
      const responseCount = history.nextCursor ? await responses.countForCustomer(customerId) : known.length;
      return {
        profile,
        assessed,
        responses: known.slice(0, RISK_HISTORY),
        responseCount,
        cases: customerCases,
        events: customerEvents,
      };
    },
    saveRisk: (customerId, risk, atRisk, rollups) => customers.saveRisk(customerId, risk, atRisk, rollups),
    publishAtRisk: ({ customerId, churnRisk, profile, trigger, since }) =>
      events.customerAtRisk({
        customerId,
        churnRisk: { score: churnRisk.score, level: churnRisk.level, reasons: churnRisk.reasons },
        segment: profile?.segment ?? null,
        annualValue: profile?.annualValue ?? null,
        owner: profile?.owner ?? null,
        trigger,
        since,
      }),
    threshold: churnRiskThreshold(),
    now,
  };
});

export const assessRisk = (customerId: string, trigger: string) =>
  assessCustomerRisk(customerId, trigger, customerRisk());

export const digestSettings = /* @__PURE__ */ once(() => readEnv(["digestRecipients"]));

/** The comment-retention sweep runs only on stages that set a retention. */
export const requiredCommentRetentionDays = /* @__PURE__ */ once(() => {
  const days = tableRules().commentRetentionDays;
  if (!days) throw new Error("cxloop configuration error: COMMENT_RETENTION_DAYS is required");
  return days;
});

export const webhookStore = /* @__PURE__ */ once(
  () => new WebhookStore(dynamoDocumentClient(), tableRules().tableName),
);
export const webhookDeliveryLog = /* @__PURE__ */ once(
  () => new WebhookDeliveryLog(dynamoDocumentClient(), tableRules().tableName),
);
/** Loopback targets are allowed only where the local runtime says so. */
export const webhookAllowLoopback = /* @__PURE__ */ once(() => readEnv(["webhookAllowLoopback"]).webhookAllowLoopback);
/** The delivery queue; the dead-letter queue is named only to the delivery function, which sends there. */
export const webhookQueue = /* @__PURE__ */ once(() => {
  const { webhookQueueUrl, webhookDeadLetterQueueUrl } = readEnv(["webhookQueueUrl", "webhookDeadLetterQueueUrl"]);
  return new WebhookQueue(sqsClient(), webhookQueueUrl, webhookDeadLetterQueueUrl);
});
/** Each attempt waits at most 10 s for an answer (the Standard Webhooks guidance is a few seconds). */
export const webhookPoster = /* @__PURE__ */ once(
  () => new GuardedWebhookPoster({ allowLoopback: webhookAllowLoopback(), timeoutMs: 10_000 }),
);
export const webhookRetrySchedule = /* @__PURE__ */ once(() => readEnv(["webhookRetrySchedule"]).webhookRetrySchedule);

export const exportJobs = /* @__PURE__ */ once(
  () => new DynamoExportJobs(dynamoDocumentClient(), tableRules().tableName),
);
export const exportQueue = /* @__PURE__ */ once(
  () => new SqsExportQueue(sqsClient(), readEnv(["exportQueueUrl"]).exportQueueUrl),
);
/** Export files: the stage's bucket on AWS, the local runtime's data dir locally; one of them is required. */
export const exportFiles = /* @__PURE__ */ once(() => {
  const { exportBucket, exportUploadUrl } = readEnv(["exportBucket", "exportUploadUrl"]);
  if (exportUploadUrl) return new LocalExportFiles(exportUploadUrl);
  if (!exportBucket) throw new Error("cxloop configuration error: EXPORT_BUCKET is required");
  return new S3ExportFiles(s3Client(), exportBucket);
});
export const exportSource = /* @__PURE__ */ once(() => exportReader(responseStore()));
export const exportStepMs = /* @__PURE__ */ once(() => readEnv(["exportStepSeconds"]).exportStepSeconds * 1000);

/** What `GET /v1/kpis` reads: the window's operational events (by-time index), days in the metrics time zone. */
export const kpiPorts = /* @__PURE__ */ once(() => ({
  events: customerStore(),
  today,
  timeZone: metricsTimeZone(),
  minResponses: minResponses(),
}));
