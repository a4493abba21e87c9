import * as z from "zod";
import { abuseControlSchema, apiKeyEntrySchema, peopleAuthSchema } from "./auth";
import { surveySettingsSchema } from "./collect";
import { contactSchema, followUpConfigSchema } from "./follow-up-config";
import { formbricksSurveysSchema, inboundHookSecretsSchema } from "./inbound-hooks";
import { DEFAULT_JOURNEY, journeySchema } from "./journey";
import { DEFAULT_MIN_RESPONSES } from "./metrics";
import { timeZoneSchema } from "./time-zone";

const themeKeywordsSchema = z.array(z.string().min(1)).min(1);
/**
 * Theme name to the keywords that detect it (see core/themes): one list matched in every language,
 * or lists per language code ({"en": [...], "de": [...]}) matched in the comment's language.
 */
export const themeTaxonomySchema = z.record(
  z.string().min(1).max(64),
  z.union([themeKeywordsSchema, z.record(z.string().regex(/^[a-z]{2}$/), themeKeywordsSchema)]),
);
export type ThemeTaxonomy = z.infer<typeof themeTaxonomySchema>;

/** `lexicon`: the offline multilingual analyzer; `vader`: the original English-only VADER. */
export const sentimentProviders = ["lexicon", "vader", "comprehend"] as const;

/**
 * Names of the environment variables the stack gives each function. CDK sets
 * them from the stage config; handlers read them through `readEnv`.
 */
export const EnvName = {
  tableName: "TABLE_NAME",
  queueUrl: "QUEUE_URL",
  eventBusName: "EVENT_BUS_NAME",
  apiKeys: "API_KEYS",
  allowedOrigins: "ALLOWED_ORIGINS",
  abuseControl: "ABUSE_CONTROL",
  peopleAuth: "PEOPLE_AUTH",
  consoleUrl: "CONSOLE_URL",
  identitySecret: "IDENTITY_SECRET",
  identitySecretArn: "IDENTITY_SECRET_ARN",
  requireSignedCustomers: "REQUIRE_SIGNED_CUSTOMERS",
  surveys: "SURVEYS",
  surveyLinkBaseUrl: "SURVEY_LINK_BASE_URL",
  inboundHookSecrets: "INBOUND_HOOK_SECRETS",
  inboundHookSecretsArn: "INBOUND_HOOK_SECRETS_ARN",
  formbricksSurveys: "FORMBRICKS_SURVEYS",
  themes: "THEMES",
  journey: "JOURNEY",
  sentimentProvider: "SENTIMENT_PROVIDER",
  followUpConfig: "FOLLOW_UP_CONFIG",
  slackWebhooks: "SLACK_WEBHOOKS",
  slackWebhooksSecretArn: "SLACK_WEBHOOKS_SECRET_ARN",
  emailFrom: "EMAIL_FROM",
  smtpUrl: "SMTP_URL",
  churnRiskThreshold: "CHURN_RISK_THRESHOLD",
  digestRecipients: "DIGEST_RECIPIENTS",
  chartBucket: "CHART_BUCKET",
  chartUploadUrl: "CHART_UPLOAD_URL",
  metricsTimeZone: "METRICS_TIME_ZONE",
  minResponses: "MIN_RESPONSES",
  commentRetentionDays: "COMMENT_RETENTION_DAYS",
  webhookQueueUrl: "WEBHOOK_QUEUE_URL",
  webhookDeadLetterQueueUrl: "WEBHOOK_DEAD_LETTER_QUEUE_URL",
  webhookRetrySchedule: "WEBHOOK_RETRY_SCHEDULE",
  webhookAllowLoopback: "WEBHOOK_ALLOW_LOOPBACK",
  exportQueueUrl: "EXPORT_QUEUE_URL",
  exportBucket: "EXPORT_BUCKET",
  exportUploadUrl: "EXPORT_UPLOAD_URL",
  exportStepSeconds: "EXPORT_STEP_SECONDS",
} as const;

const json = <S extends z.ZodType>(schema: S) =>
  z
    .string()
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: "custom", message: "is not valid JSON" });
        return z.NEVER;
      }
    })
    .pipe(schema);

export const envSchemas = {
  tableName: z.string().min(1),
  queueUrl: z.url(),
  eventBusName: z.string().min(1),
  apiKeys: json(z.array(apiKeyEntrySchema)),
  allowedOrigins: json(z.array(z.string())),
  /** Limits on browser keys; absent: the defaults. */
  abuseControl: json(abuseControlSchema).optional(),
  /** How signed-in people's tokens are verified; absent: only API keys are accepted. */
  peopleAuth: json(peopleAuthSchema).optional(),
  /** Where the console is served: alerts link to its case page, the digest to its overview. */
  consoleUrl: z.url().optional(),
  /** The key customer ids are signed with (local runs); on AWS it comes from the secret instead. */
  identitySecret: z.string().min(32).optional(),
  identitySecretArn: z.string().min(1).optional(),
  /** Refuse customer ids from web pages (submit-only keys) that come without a valid signature. */
  requireSignedCustomers: z
    .enum(["true", "false"])
    .default("false")
    .transform((value) => value === "true"),
  surveys: json(surveySettingsSchema).default({}),
  /** Where survey links point (a custom domain); absent: the API's own address, as the request that made them saw it. */
  surveyLinkBaseUrl: z.url().optional(),
  /** Delighted's API key and Formbricks' webhook secret, given directly (local runs); on AWS from the secret instead. */
  inboundHookSecrets: json(inboundHookSecretsSchema).optional(),
  inboundHookSecretsArn: z.string().min(1).optional(),
  /** Per Formbricks survey id: the cxloop survey and what each question is (see contracts/formbricks-mapping). */
  formbricksSurveys: json(formbricksSurveysSchema).default({}),
  themes: json(themeTaxonomySchema).optional(),
  /** The journey's stages and which touchpoint is in which; absent: buy, own, advocate (contracts/journey). */
  journey: json(journeySchema).default(DEFAULT_JOURNEY),
  sentimentProvider: z.enum(sentimentProviders).default("lexicon"),
  followUpConfig: json(followUpConfigSchema),
  /** Slack webhooks by name, given directly (local runs); on AWS they come from the secret instead. */
  slackWebhooks: json(z.record(z.string(), z.string())).optional(),
  slackWebhooksSecretArn: z.string().min(1).optional(),
  emailFrom: z.email().optional(),
  /** Send email over SMTP (local runs, or a relay of your own); without it, email goes through SES. */
  smtpUrl: z
    .string()
    .regex(/^smtps?:\/\//, "must be an smtp:// or smtps:// URL")
    .optional(),
  /** Churn risk at or above which a customer is "at risk" (Customer At Risk is published on crossing). */
  churnRiskThreshold: z.coerce.number().min(0).max(1).default(0.6),
  /** The IANA time zone metrics count days in. */
  metricsTimeZone: timeZoneSchema.default("UTC"),
  /** Answers below which a figure, change or driver is flagged `insufficient` and never significant. */
  minResponses: z.coerce.number().int().positive().default(DEFAULT_MIN_RESPONSES),
  /** Who gets the weekly digest: contacts with a Slack webhook name and/or an email address. */
  digestRecipients: json(z.array(contactSchema)),
  /** The private bucket the digest's chart is put in, for Slack to fetch through a presigned URL (AWS). */
  chartBucket: z.string().min(1).optional(),
  /** Where the local runtime takes the chart instead of S3: PUT `<url>/<name>`, then served at the same URL. */
  chartUploadUrl: z.url().optional(),
  /** Days a response's comment text is kept after its `submittedAt`; absent = kept forever. */
  commentRetentionDays: z.coerce.number().int().positive().optional(),
  /** The queue webhook deliveries (and their retries) wait in, and where one goes after its last attempt. */
  webhookQueueUrl: z.url(),
  /** Given to the delivery function only. */
  webhookDeadLetterQueueUrl: z.url().optional(),
  /** Seconds between a webhook delivery's attempts (see lib/config.ts `webhooks.retryScheduleSeconds`). */
  webhookRetrySchedule: json(z.array(z.int().min(0).max(86_400)).max(20)),
  /** Set by the local runtime only: deliveries may go to loopback addresses (and plain http there). Never on AWS. */
  webhookAllowLoopback: z
    .enum(["true", "false"])
    .default("false")
    .transform((value) => value === "true"),
  /** The queue export steps wait in; each step queues the next. */
  exportQueueUrl: z.url(),
  /** The private bucket export files are written to (AWS). */
  exportBucket: z.string().min(1).optional(),
  /** Where the local runtime takes export files instead of S3: PUT `<url>/<key>`, then served at the same URL. */
  exportUploadUrl: z.url().optional(),
  /** How long one export step reads before it writes its part and queues the next (well inside the timeout). */
  exportStepSeconds: z.coerce.number().positive().max(600).default(60),
} as const;

type EnvKey = keyof typeof EnvName;
export type Env<K extends EnvKey> = { [P in K]: z.output<(typeof envSchemas)[P]> };

/** Reads and validates the named variables once, failing fast with every missing or bad one named. */
export function readEnv<K extends EnvKey>(keys: readonly K[], source: NodeJS.ProcessEnv = process.env): Env<K> {
  const shape = Object.fromEntries(keys.map((key) => [EnvName[key], envSchemas[key]]));
  const input = Object.fromEntries(keys.map((key) => [EnvName[key], source[EnvName[key]]]));
  const parsed = z.object(shape).safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; ");
    throw new Error(`cxloop configuration error: ${problems}`);
  }
  return Object.fromEntries(keys.map((key) => [key, (parsed.data as Record<string, unknown>)[EnvName[key]]])) as Env<K>;
}
