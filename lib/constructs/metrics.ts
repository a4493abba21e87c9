import { Duration, TimeZone, Validations } from "aws-cdk-lib";
import { Rule, Schedule } from "aws-cdk-lib/aws-events";
import { LambdaFunction } from "aws-cdk-lib/aws-events-targets";
import { PolicyStatement, Role, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import type { RetentionDays } from "aws-cdk-lib/aws-logs";
import { BlockPublicAccess, Bucket, BucketEncryption } from "aws-cdk-lib/aws-s3";
import { Schedule as Scheduled, ScheduleExpression } from "aws-cdk-lib/aws-scheduler";
import { LambdaInvoke } from "aws-cdk-lib/aws-scheduler-targets";
import { Construct } from "constructs";
import { CHART_RENDERER_FILES } from "../../lambdas/adapters/chart-renderer";
import { CHART_URL_LIFETIME_SECONDS } from "../../lambdas/adapters/chart-store";
import { EnvName } from "../../lambdas/contracts/runtime-env";
import type { StageConfig } from "../config";
import type { CloseTheLoop } from "./close-the-loop";
import type { Data } from "./data";
import { CxFunction } from "./function";
import { acknowledgeWildcardResource } from "./nag";
import type { Observability } from "./observability";

export interface MeasurementProps {
  config: StageConfig;
  data: Data;
  closeTheLoop: CloseTheLoop;
  observability: Observability;
  logRetention: RetentionDays;
}

/** How often changed days are rolled up: the most a metric lags behind its responses. */
export const METRICS_ROLLUP_SCHEDULE = Schedule.rate(Duration.minutes(5));

/**
 * Measure and prioritise: a scheduled rollup keeps day aggregates, the metrics API reads only
 * those, and a weekly digest goes to the managers. Not `Metrics`, which Powertools and the
 * contracts already name.
 */
export class Measurement extends Construct {
  readonly api: CxFunction;
  readonly rollup: CxFunction;
  readonly digest: CxFunction;
  /** The digest's rendered charts, for Slack to fetch through presigned URLs; gone after their URLs expire. */
  readonly charts: Bucket;

  constructor(scope: Construct, id: string, props: MeasurementProps) {
    super(scope, id);
    const { config, data, closeTheLoop, observability, logRetention } = props;

    this.api = new CxFunction(this, "Api", {
      handler: "metrics-api",
      description: "NPS, CSAT, CES and key drivers from day aggregates; recomputes days on request",
      logRetention,
      observability,
      timeout: Duration.seconds(29),
      memorySize: 1024,
    });
    data.grantTable(this.api, "dynamodb:Query", "dynamodb:PutItem", "dynamodb:DeleteItem");

    this.rollup = new CxFunction(this, "Rollup", {
      handler: "metrics-rollup",
      description: "Recomputes the day aggregates of days whose responses changed",
      logRetention,
      observability,
      timeout: Duration.minutes(5),
      memorySize: 1024,
    });
    data.grantTable(this.rollup, "dynamodb:Query", "dynamodb:PutItem", "dynamodb:DeleteItem");
    new Rule(this, "RollupSchedule", {
      description: "cxloop metrics rollup",
      schedule: METRICS_ROLLUP_SCHEDULE,
      targets: [new LambdaFunction(this.rollup.fn, { retryAttempts: 2 })],
    });

    this.digest = new CxFunction(this, "Digest", {
      handler: "digest",
      description: "Weekly digest to managers: scores and change, top negative drivers, overdue cases, revenue at risk",
      logRetention,
      observability,
      timeout: Duration.minutes(1),
      // Rendering the chart in WebAssembly and the email with MJML want more than the default's CPU share.
      memorySize: 1024,
      shippedFiles: CHART_RENDERER_FILES,
      // MJML's config loader (cosmiconfig) requires TypeScript only to read a `.mjmlrc.ts`, which the digest never has: 3.5 MB saved.
      unbundled: ["typescript"],
      environment: {
        [EnvName.churnRiskThreshold]: String(config.churnRiskThreshold),
        [EnvName.digestRecipients]: JSON.stringify(config.digest.recipients ?? config.followUp.escalation),
      },
    });
    data.grantTable(this.digest, "dynamodb:Query", "dynamodb:GetItem", "dynamodb:PutItem");
    data.grantPutEvents(this.digest);
    closeTheLoop.grantSending(this.digest);

    this.charts = new Bucket(this, "Charts", {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      lifecycleRules: [{ expiration: Duration.seconds(CHART_URL_LIFETIME_SECONDS).plus(Duration.days(1)) }],
    });
    Validations.of(this.charts).acknowledge({
      id: "AwsSolutions-S1",
      reason:
        "The bucket holds only rendered trend charts (no respondent text), written by the digest function alone and read through its presigned URLs; they expire within eight days.",
    });
    // Put, and get: presigning a GET needs no call, but the URL works only while the signer may read the object.
    const charts = this.charts.arnForObjects("digest/*");
    this.digest.fn.addToRolePolicy(
      new PolicyStatement({ actions: ["s3:PutObject", "s3:GetObject"], resources: [charts] }),
    );
    acknowledgeWildcardResource(
      this.digest.fn,
      charts,
      "The digest writes one chart per week under digest/ with a name it makes, and reads only those: the prefix is the narrowest resource that names them.",
    );
    this.digest.addEnvironment(EnvName.chartBucket, this.charts.bucketName);

    // EventBridge Scheduler, not a rule: rules run in UTC only, so "Monday 08:00" would drift with daylight saving.
    const scheduler = new Role(this, "DigestScheduler", {
      assumedBy: new ServicePrincipal("scheduler.amazonaws.com"),
      description: "Lets EventBridge Scheduler start the weekly digest",
    });
    new Scheduled(this, "DigestSchedule", {
      description: "cxloop weekly digest",
      schedule: ScheduleExpression.expression(config.digest.schedule, TimeZone.of(config.metricsTimeZone)),
      target: new LambdaInvoke(this.digest.fn, { retryAttempts: 2, role: scheduler }),
    });
    acknowledgeWildcardResource(
      scheduler,
      `${this.digest.fn.functionArn}:*`,
      "CDK's grantInvoke adds the function's versions and aliases (<arn>:*) beside the function; the role may invoke only the digest.",
    );
  }
}
