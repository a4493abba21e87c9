import * as z from "zod";
import { abuseControlSchema, apiKeyEntrySchema } from "../lambdas/contracts/auth";
import { surveySettingsSchema } from "../lambdas/contracts/collect";
import { followUpConfigSchema } from "../lambdas/contracts/follow-up-config";
import { formbricksSurveysSchema } from "../lambdas/contracts/formbricks-mapping";
import { DEFAULT_JOURNEY, journeySchema } from "../lambdas/contracts/journey";
import { DEFAULT_MIN_RESPONSES, digestConfigSchema } from "../lambdas/contracts/metrics";
import { sentimentProviders, themeTaxonomySchema } from "../lambdas/contracts/runtime-env";
import { timeZoneSchema } from "../lambdas/contracts/time-zone";

/** Words Cognito refuses anywhere in a hosted-UI domain prefix. */
export const COGNITO_RESERVED_WORD = /aws|amazon|cognito/;

/** A Cognito prefix domain (`<prefix>.auth.<region>.amazoncognito.com`), by Cognito's own rules. */
const cognitoDomainPrefixSchema = z
  .string()
  .regex(
    /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/,
    "must be 1-63 lowercase letters, digits and hyphens, not starting or ending with a hyphen",
  )
  .refine((prefix) => !COGNITO_RESERVED_WORD.test(prefix), "may not contain aws, amazon or cognito");

/** Per-stage settings, read from `cdk.json` context (`stages.<name>`) and validated at synth time. */
export const stageConfigSchema = z.strictObject({
  /** Origins allowed to call the API from a browser (CORS), e.g. https://shop.example.com. */
  allowedOrigins: z.array(z.union([z.url(), z.literal("*")])).default([]),
  /**
   * Bootstrap API keys by SHA-256 hash: `printf %s "$KEY" | sha256sum`. More keys are made without a
   * redeploy through `POST /v1/keys` (`npm run cxloop -- keys create`); with neither, every request is refused.
   */
  apiKeys: z.array(apiKeyEntrySchema).default([]),
  /** What a browser (submit-only) key may do: origins required, and limits per key, source IP, customer and survey. */
  abuseControl: abuseControlSchema.prefault({}),
  /**
   * Customer ids sent from web pages: with `requireSignedCustomers`, a submit-only key's response naming a
   * customer needs `customer.signature`, the HMAC-SHA256 of the id under the stack's IdentitySecret.
   */
  identity: z.strictObject({ requireSignedCustomers: z.boolean().default(false) }).prefault({}),
  /** Per survey, e.g. `{"post-purchase": {"throttleDays": 90}}`: a customer is not asked again within the days. */
  surveys: surveySettingsSchema.default({}),
  /** Survey links (`POST /v1/survey-links`) point at the API's address unless `baseUrl` names a custom domain for it. */
  surveyLinks: z.strictObject({ baseUrl: z.url().optional() }).prefault({}),
  /**
   * Peers' webhooks (`/v1/hooks/delighted`, `/v1/hooks/formbricks`); their secrets go in the stack's IntegrationSecrets.
   * `formbricksSurveys`: per Formbricks survey id, the cxloop survey name and what each question id is (nps, csat, ces, comment).
   */
  integrations: z.strictObject({ formbricksSurveys: formbricksSurveysSchema.default({}) }).prefault({}),
  alerts: z
    .strictObject({
      /** Addresses subscribed to operational alarms (DLQ depth, function errors). */
      emails: z.array(z.email()).default([]),
      /** Sender of case alert emails (an SES-verified identity on AWS). Without it, alerts go to Slack only. */
      emailFrom: z.email().optional(),
    })
    .prefault({}),
  /** The console and how people sign in to it (a Cognito user pool; admins invite people). */
  console: z
    .strictObject({
      /** The hosted sign-in's domain prefix, unique in the region; absent: derived from the stack name and account. */
      domainPrefix: cognitoDomainPrefixSchema.optional(),
      /** Invited by email at deploy and put in the `admin` group, so someone can invite the others. */
      firstAdminEmail: z.email().optional(),
      /** Where else the console is served (e.g. a custom domain in front of it): sign-in may redirect there too. */
      extraCallbackUrls: z.array(z.url({ protocol: /^https$/, error: "must be an https:// URL" })).default([]),
      /**
       * Cognito's Plus plan with threat protection enforced (risky sign-ins challenged or blocked, leaked passwords
       * refused). Billed for every monthly active user, the free tier included, so it is off unless asked for.
       */
      threatProtection: z.boolean().default(false),
    })
    .prefault({}),
  /** Churn risk (0-1) from which a customer counts as at risk; crossing it publishes Customer At Risk. */
  churnRiskThreshold: z.number().min(0).max(1).default(0.6),
  /** The IANA time zone metrics count days in (a response counts in the local day of its submittedAt). */
  metricsTimeZone: timeZoneSchema.default("UTC"),
  /**
   * Answers below which a score, a change between periods or a driver is reported but flagged
   * `insufficient` and never significant: under about 30 the intervals are wide and the tests weak.
   */
  minResponses: z.int().positive().max(100_000).default(DEFAULT_MIN_RESPONSES),
  /** Weekly digest recipients (default: the escalation contacts) and schedule. */
  digest: digestConfigSchema.prefault({}),
  /** Close the loop: follow-up rules, routing, SLAs, escalation contacts. */
  followUp: followUpConfigSchema.prefault({}),
  /**
   * Outbound webhooks: seconds to wait after each failed attempt before the next (the first failure waits the
   * first value); after the last the delivery is dead-lettered. The default, after Standard Webhooks' reference
   * service: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h, eight attempts over about 27.6 hours.
   */
  webhooks: z
    .strictObject({
      retryScheduleSeconds: z
        .array(z.int().min(0).max(86_400))
        .max(20)
        .default([5, 300, 1800, 7200, 18_000, 36_000, 36_000]),
    })
    .prefault({}),
  sentimentProvider: z.enum(sentimentProviders).default("lexicon"),
  /**
   * The customer journey: its stages and each touchpoint's stage, stamped on every response (`stage`) and
   * kept as a metrics dimension. Default: buy, own, advocate, with common touchpoints mapped (contracts/journey.ts).
   */
  journey: journeySchema.default(DEFAULT_JOURNEY),
  /** Replaces the default theme taxonomy: theme name to keywords, or to keywords per language. */
  themes: themeTaxonomySchema.optional(),
  eventBusName: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,256}$/)
    .default("cxloop"),
  /** Days the bus's archive keeps every event for replay; at most `erasurePromiseDays` (0, forever, is refused). */
  eventArchiveRetentionDays: z.int().min(0).max(3650).default(30),
  /**
   * Days within which an erasure (`DELETE /v1/customers/{id}`) has removed everything about the customer,
   * including what it cannot reach: the event archive and the dead-letter queues must let go of it by then.
   */
  erasurePromiseDays: z.int().positive().max(3650).default(30),
  /** Days a response's comment text is kept after its `submittedAt`; then it is removed, scores stay. Absent: forever. */
  commentRetentionDays: z.int().positive().max(36500).optional(),
  logRetentionDays: z.int().positive().default(30),
  /**
   * What the functions log. At `WARN` (the default) CloudWatch Logs costs cents per million responses; `INFO` adds a
   * line per response, case and alert (about $1 per million responses). `debugSampleRate` is the share of
   * invocations logged in full at DEBUG, a sample to investigate with at any level.
   */
  logging: z
    .strictObject({
      level: z.enum(["DEBUG", "INFO", "WARN", "ERROR"]).default("WARN"),
      debugSampleRate: z.number().min(0).max(1).default(0.01),
    })
    .default({ level: "WARN", debugSampleRate: 0.01 }),
  /** Queue tuning: receives before a message goes to the dead-letter queue. */
  maxReceiveCount: z.int().min(1).max(1000).default(5),
  enrichmentBatchSize: z.int().min(1).max(100).default(10),
  /**
   * API Gateway's throttle for the whole stage, the first line against floods: steady requests per
   * second and the burst above it. Beyond them clients get 429 before any function runs (and bills).
   */
  throttle: z
    .strictObject({
      rateLimit: z.number().positive().max(10_000).default(50),
      burstLimit: z.int().positive().max(5_000).default(100),
    })
    .default({ rateLimit: 50, burstLimit: 100 }),
});
export type StageConfig = z.infer<typeof stageConfigSchema>;

export const DEFAULT_STAGE = "dev";

/** The event archive keeps `Response Recorded` events, comment included, so it may not outlive comment retention. */
function archiveWithinCommentRetention(config: StageConfig, ctx: z.RefinementCtx<StageConfig>) {
  const { commentRetentionDays: days, eventArchiveRetentionDays: archive } = config;
  if (days !== undefined && (archive === 0 || archive > days))
    ctx.addIssue({
      code: "custom",
      path: ["eventArchiveRetentionDays"],
      message: `must be 1-${days} when commentRetentionDays is ${days}: archived events keep their comment`,
    });
}

/** How long a dead-letter queue keeps a message (SQS's maximum, counted from when it was first queued). */
export const DEAD_LETTER_RETENTION_DAYS = 14;

/**
 * Erasure cannot reach archived events (comment text, customer ids) or dead-lettered messages (a whole
 * submission, email and name included), so neither may keep them past the stage's erasure promise.
 */
function withinErasurePromise(config: StageConfig, ctx: z.RefinementCtx<StageConfig>) {
  const { erasurePromiseDays: promise, eventArchiveRetentionDays: archive } = config;
  if (archive === 0 || archive > promise)
    ctx.addIssue({
      code: "custom",
      path: ["eventArchiveRetentionDays"],
      message: `must be 1-${promise} when erasurePromiseDays is ${promise}: an erasure cannot remove archived events`,
    });
  if (DEAD_LETTER_RETENTION_DAYS > promise)
    ctx.addIssue({
      code: "custom",
      path: ["erasurePromiseDays"],
      message: `must be at least ${DEAD_LETTER_RETENTION_DAYS}: dead-letter queues keep a failed submission (email and name included) ${DEAD_LETTER_RETENTION_DAYS} days, out of an erasure's reach`,
    });
}

/** Reads the stage's config from context; every problem is reported with its path, and synth stops. */
export function loadStageConfig(stage: string, stages: unknown): StageConfig {
  const all = z.record(z.string(), z.unknown()).safeParse(stages ?? {});
  if (!all.success) throw new Error("cdk.json context 'stages' must be an object of stage configs");
  if (!Object.hasOwn(all.data, stage))
    throw new Error(
      `unknown stage '${stage}': cdk.json context 'stages' has ${Object.keys(all.data).join(", ") || "none"}`,
    );
  const parsed = stageConfigSchema
    .superRefine(archiveWithinCommentRetention)
    .superRefine(withinErasurePromise)
    .safeParse(all.data[stage]);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((issue) => `  ${["stages", stage, ...issue.path.map(String)].join(".")}: ${issue.message}`)
      .join("\n");
    throw new Error(`invalid config for stage '${stage}':\n${problems}`);
  }
  return parsed.data;
}
