import { Duration } from "aws-cdk-lib";
import type { Table } from "aws-cdk-lib/aws-dynamodb";
import { Rule, Schedule } from "aws-cdk-lib/aws-events";
import { LambdaFunction } from "aws-cdk-lib/aws-events-targets";
import type { RetentionDays } from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import { EnvName } from "../../lambdas/contracts/runtime-env";
import type { StageConfig } from "../config";
import { CxFunction } from "./function";
import type { Observability } from "./observability";

/** Daily, at a quiet hour (UTC). */
export const COMMENT_RETENTION_SCHEDULE = Schedule.cron({ minute: "30", hour: "3" });

/**
 * What the functions that store, show or rewrite responses and cases need to hide and drop comments
 * past retention (a case saved by the SLA sweeper must not bring one back); empty when kept forever.
 */
export const commentRetentionEnvironment = (config: StageConfig): Record<string, string> =>
  config.commentRetentionDays ? { [EnvName.commentRetentionDays]: String(config.commentRetentionDays) } : {};

export interface PrivacyProps {
  commentRetentionDays: number;
  table: Table;
  observability: Observability;
  logRetention: RetentionDays;
}

/** Comment retention: a daily sweep removes comment text past `commentRetentionDays` from responses and cases. */
export class Privacy extends Construct {
  readonly commentRetention: CxFunction;

  constructor(scope: Construct, id: string, props: PrivacyProps) {
    super(scope, id);
    const { table, observability, logRetention } = props;
    this.commentRetention = new CxFunction(this, "CommentRetention", {
      handler: "comment-retention",
      description: "Removes comment text past its retention from responses and their cases",
      logRetention,
      // A first sweep over a long history may need several runs; each stops a minute before this and saves progress.
      timeout: Duration.minutes(15),
      environment: {
        [EnvName.tableName]: table.tableName,
        [EnvName.commentRetentionDays]: String(props.commentRetentionDays),
      },
    });
    new Rule(this, "CommentRetentionSchedule", {
      description: "cxloop comment retention sweep",
      schedule: COMMENT_RETENTION_SCHEDULE,
      targets: [new LambdaFunction(this.commentRetention.fn, { retryAttempts: 2 })],
    });
    table.grant(this.commentRetention.fn, "dynamodb:GetItem", "dynamodb:Query", "dynamodb:UpdateItem");
    observability.alarmOnErrors("CommentRetentionErrors", this.commentRetention.fn);
  }
}
