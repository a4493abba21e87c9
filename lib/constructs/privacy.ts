import { Duration } from "aws-cdk-lib";
import { Rule, Schedule } from "aws-cdk-lib/aws-events";
import { LambdaFunction } from "aws-cdk-lib/aws-events-targets";
import type { RetentionDays } from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import type { Data } from "./data";
import { CxFunction } from "./function";
import type { Observability } from "./observability";

/** Daily, at a quiet hour (UTC). */
export const COMMENT_RETENTION_SCHEDULE = Schedule.cron({ minute: "30", hour: "3" });

export interface PrivacyProps {
  /** With the stage's `commentRetentionDays`, which the sweep learns through the table grant. */
  data: Data;
  observability: Observability;
  logRetention: RetentionDays;
}

/** Comment retention: a daily sweep removes comment text past `commentRetentionDays` from responses and cases. */
export class Privacy extends Construct {
  readonly commentRetention: CxFunction;

  constructor(scope: Construct, id: string, props: PrivacyProps) {
    super(scope, id);
    const { data, observability, logRetention } = props;
    if (!data.commentRetentionDays) throw new Error("Privacy needs a Data construct with commentRetentionDays");
    this.commentRetention = new CxFunction(this, "CommentRetention", {
      handler: "comment-retention",
      description: "Removes comment text past its retention from responses and their cases",
      logRetention,
      observability,
      // A first sweep over a long history may need several runs; each stops a minute before this and saves progress.
      timeout: Duration.minutes(15),
    });
    data.grantTable(this.commentRetention, "dynamodb:GetItem", "dynamodb:Query", "dynamodb:UpdateItem");
    new Rule(this, "CommentRetentionSchedule", {
      description: "cxloop comment retention sweep",
      schedule: COMMENT_RETENTION_SCHEDULE,
      targets: [new LambdaFunction(this.commentRetention.fn, { retryAttempts: 2 })],
    });
  }
}
