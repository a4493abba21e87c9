import { Duration } from "aws-cdk-lib";
import type { Table } from "aws-cdk-lib/aws-dynamodb";
import { type EventBus, Rule, Schedule } from "aws-cdk-lib/aws-events";
import { LambdaFunction } from "aws-cdk-lib/aws-events-targets";
import type { RetentionDays } from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import { EnvName } from "../../lambdas/contracts/runtime-env";
import type { StageConfig } from "../config";
import type { CloseTheLoop } from "./close-the-loop";
import { CxFunction } from "./function";
import type { Observability } from "./observability";

export interface MetricsProps {
  config: StageConfig;
  table: Table;
  bus: EventBus;
  closeTheLoop: CloseTheLoop;
  observability: Observability;
  logRetention: RetentionDays;
}

/** How often changed days are rolled up: the most a metric lags behind its responses. */
export const METRICS_ROLLUP_SCHEDULE = Schedule.rate(Duration.minutes(5));

/**
 * Measure and prioritise: a scheduled rollup keeps day aggregates, the metrics API reads only
 * those, and a weekly digest goes to the managers.
 */
export class Metrics extends Construct {
  readonly api: CxFunction;
  readonly rollup: CxFunction;
  readonly digest: CxFunction;

  constructor(scope: Construct, id: string, props: MetricsProps) {
    super(scope, id);
    const { config, table, bus, closeTheLoop, observability, logRetention } = props;

    this.api = new CxFunction(this, "Api", {
      handler: "metrics-api",
      description: "NPS, CSAT, CES and key drivers from day aggregates; recomputes days on request",
      logRetention,
      timeout: Duration.seconds(29),
      memorySize: 1024,
      environment: {
        [EnvName.tableName]: table.tableName,
        [EnvName.metricsTimeZone]: config.metricsTimeZone,
        [EnvName.apiKeys]: JSON.stringify(config.apiKeys),
        [EnvName.allowedOrigins]: JSON.stringify(config.allowedOrigins),
      },
    });
    table.grant(this.api.fn, "dynamodb:Query", "dynamodb:PutItem", "dynamodb:DeleteItem");

    this.rollup = new CxFunction(this, "Rollup", {
      handler: "metrics-rollup",
      description: "Recomputes the day aggregates of days whose responses changed",
      logRetention,
      timeout: Duration.minutes(5),
      memorySize: 1024,
      environment: { [EnvName.tableName]: table.tableName, [EnvName.metricsTimeZone]: config.metricsTimeZone },
    });
    table.grant(this.rollup.fn, "dynamodb:Query", "dynamodb:PutItem", "dynamodb:DeleteItem");
    new Rule(this, "RollupSchedule", {
      description: "cxloop metrics rollup",
      schedule: METRICS_ROLLUP_SCHEDULE,
      targets: [new LambdaFunction(this.rollup.fn, { retryAttempts: 2 })],
    });

    this.digest = new CxFunction(this, "Digest", {
      handler: "digest",
      description: "Weekly digest to managers: scores and change, top negative drivers, overdue cases, revenue at risk",
      logRetention,
      timeout: Duration.minutes(1),
      environment: {
        [EnvName.tableName]: table.tableName,
        [EnvName.eventBusName]: bus.eventBusName,
        [EnvName.metricsTimeZone]: config.metricsTimeZone,
        [EnvName.churnRiskThreshold]: String(config.churnRiskThreshold),
        [EnvName.digestRecipients]: JSON.stringify(config.digest.recipients ?? config.followUp.escalation),
        ...closeTheLoop.senderEnvironment(config),
      },
    });
    table.grant(this.digest.fn, "dynamodb:Query", "dynamodb:GetItem", "dynamodb:PutItem");
    bus.grantPutEventsTo(this.digest.fn);
    closeTheLoop.grantSending(this.digest.fn, config);
    new Rule(this, "DigestSchedule", {
      description: "cxloop weekly digest",
      schedule: Schedule.expression(config.digest.schedule),
      targets: [new LambdaFunction(this.digest.fn, { retryAttempts: 2 })],
    });

    observability.alarmOnErrors("MetricsApiErrors", this.api.fn);
    observability.alarmOnErrors("MetricsRollupErrors", this.rollup.fn);
    observability.alarmOnErrors("DigestErrors", this.digest.fn);
  }
}
