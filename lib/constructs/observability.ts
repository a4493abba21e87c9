import { Duration } from "aws-cdk-lib";
import { Alarm, ComparisonOperator, type IMetric, TreatMissingData } from "aws-cdk-lib/aws-cloudwatch";
import { SnsAction } from "aws-cdk-lib/aws-cloudwatch-actions";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import { Topic } from "aws-cdk-lib/aws-sns";
import { EmailSubscription } from "aws-cdk-lib/aws-sns-subscriptions";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import type { StageConfig } from "../config";

/** Operational alarms, all sent to one topic that the stage's alert addresses subscribe to, and how the functions log. */
export class Observability extends Construct {
  readonly alarmTopic: Topic;

  /** How every function logs (the stage's `logging`). */
  readonly logging: StageConfig["logging"];

  constructor(
    scope: Construct,
    id: string,
    props: { alertEmails: readonly string[]; logging: StageConfig["logging"] },
  ) {
    super(scope, id);
    this.logging = props.logging;
    this.alarmTopic = new Topic(this, "AlarmTopic", { displayName: "cxloop alarms", enforceSSL: true });
    for (const email of props.alertEmails) this.alarmTopic.addSubscription(new EmailSubscription(email));
  }

  /** Any message in a dead-letter queue means a response or event is waiting for a human. */
  alarmOnDeadLetters(id: string, queue: IQueue): Alarm {
    return this.alarm(
      id,
      `Messages in dead-letter queue ${id}: inspect and redrive`,
      queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: "Maximum" }),
    );
  }

  alarmOnErrors(id: string, fn: IFunction): Alarm {
    return this.alarm(
      id,
      `Function ${id} is failing`,
      fn.metricErrors({ period: Duration.minutes(5), statistic: "Sum" }),
    );
  }

  /** Any non-zero value, in one evaluation period, pages the topic; no data is fine. */
  private alarm(id: string, alarmDescription: string, metric: IMetric): Alarm {
    const alarm = new Alarm(this, id, {
      alarmDescription,
      metric,
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(new SnsAction(this.alarmTopic));
    return alarm;
  }
}
