import { Duration, TimeZone } from "aws-cdk-lib";
import { Role, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import type { RetentionDays } from "aws-cdk-lib/aws-logs";
import { Schedule, ScheduleExpression } from "aws-cdk-lib/aws-scheduler";
import { LambdaInvoke } from "aws-cdk-lib/aws-scheduler-targets";
import { Construct } from "constructs";
import type { StageConfig } from "../config";
import type { Data } from "./data";
import { CxFunction } from "./function";
import { acknowledgeWildcardResource } from "./nag";
import type { Observability } from "./observability";

export interface ActionPlansProps {
  config: StageConfig;
  data: Data;
  observability: Observability;
  logRetention: RetentionDays;
}

/** Every morning in the metrics time zone, after the night's rollups: a plan off track is announced the same day. */
export const ACTION_PLAN_REVIEW_SCHEDULE = "cron(0 7 * * ? *)";

/**
 * The outer loop: action plans tie a driver to an owner, a metric and a target, their API reads each plan's effect
 * from the day aggregates, and a daily review publishes `Action Plan Off Track` for plans that have not moved.
 */
export class ActionPlans extends Construct {
  readonly api: CxFunction;
  readonly review: CxFunction;

  constructor(scope: Construct, id: string, props: ActionPlansProps) {
    super(scope, id);
    const { config, data, observability, logRetention } = props;

    this.api = new CxFunction(this, "Api", {
      handler: "action-plans-api",
      description: "Action plans: create, change, link cases; each with its measured effect",
      logRetention,
      observability,
      timeout: Duration.seconds(29),
      memorySize: 1024,
    });
    data.grantTable(this.api, "dynamodb:Query", "dynamodb:GetItem", "dynamodb:PutItem");

    this.review = new CxFunction(this, "Review", {
      handler: "action-plan-review",
      description: "Daily: publishes Action Plan Off Track for active plans past half their time that have not moved",
      logRetention,
      observability,
      timeout: Duration.minutes(5),
      memorySize: 1024,
    });
    data.grantTable(this.review, "dynamodb:Query", "dynamodb:GetItem", "dynamodb:PutItem");
    data.grantPutEvents(this.review);

    // Scheduler, not a rule: "07:00" stays 07:00 in the metrics time zone through daylight saving.
    const scheduler = new Role(this, "ReviewScheduler", {
      assumedBy: new ServicePrincipal("scheduler.amazonaws.com"),
      description: "Lets EventBridge Scheduler start the daily action plan review",
    });
    new Schedule(this, "ReviewSchedule", {
      description: "cxloop daily action plan review",
      schedule: ScheduleExpression.expression(ACTION_PLAN_REVIEW_SCHEDULE, TimeZone.of(config.metricsTimeZone)),
      target: new LambdaInvoke(this.review.fn, { retryAttempts: 2, role: scheduler }),
    });
    acknowledgeWildcardResource(
      scheduler,
      `${this.review.fn.functionArn}:*`,
      "CDK's grantInvoke adds the function's versions and aliases (<arn>:*) beside the function; the role may invoke only the review.",
    );
  }
}
