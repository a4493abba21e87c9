import { Duration } from "aws-cdk-lib";
import { Rule, Schedule } from "aws-cdk-lib/aws-events";
import { LambdaFunction } from "aws-cdk-lib/aws-events-targets";
import type { RetentionDays } from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import { EnvName } from "../../lambdas/contracts/runtime-env";
import type { StageConfig } from "../config";
import type { CloseTheLoop } from "./close-the-loop";
import type { Data } from "./data";
import { CxFunction } from "./function";
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
      environment: {
        [EnvName.churnRiskThreshold]: String(config.churnRiskThreshold),
        [EnvName.digestRecipients]: JSON.stringify(config.digest.recipients ?? config.followUp.escalation),
      },
    });
    data.grantTable(this.digest, "dynamodb:Query", "dynamodb:GetItem", "dynamodb:PutItem");
    data.grantPutEvents(this.digest);
    closeTheLoop.grantSending(this.digest);
    new Rule(this, "DigestSchedule", {
      description: "cxloop weekly digest",
      schedule: Schedule.expression(config.digest.schedule),
      targets: [new LambdaFunction(this.digest.fn, { retryAttempts: 2 })],
    });
  }
}
