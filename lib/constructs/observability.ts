import { Duration } from "aws-cdk-lib";
import { Alarm, ComparisonOperator, TreatMissingData } from "aws-cdk-lib/aws-cloudwatch";
import { SnsAction } from "aws-cdk-lib/aws-cloudwatch-actions";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import { Topic } from "aws-cdk-lib/aws-sns";
import { EmailSubscription } from "aws-cdk-lib/aws-sns-subscriptions";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";

/** Operational alarms, all sent to one topic that the stage's alert addresses subscribe to. */
export class Observability extends Construct {
  readonly alarmTopic: Topic;

  constructor(scope: Construct, id: string, props: { alertEmails: readonly string[] }) {
    super(scope, id);
    this.alarmTopic = new Topic(this, "AlarmTopic", { displayName: "cxloop alarms", enforceSSL: true });
    for (const email of props.alertEmails) this.alarmTopic.addSubscription(new EmailSubscription(email));
  }

  /** Any message in a dead-letter queue means a response or event is waiting for a human. */
  alarmOnDeadLetters(id: string, queue: IQueue): Alarm {
    const alarm = new Alarm(this, id, {
      alarmDescription: `Messages in dead-letter queue ${id}: inspect and redrive`,
      metric: queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: "Maximum" }),
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(new SnsAction(this.alarmTopic));
    return alarm;
  }

  alarmOnErrors(id: string, fn: IFunction): Alarm {
    const alarm = new Alarm(this, id, {
      alarmDescription: `Function ${id} is failing`,
      metric: fn.metricErrors({ period: Duration.minutes(5), statistic: "Sum" }),
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(new SnsAction(this.alarmTopic));
    return alarm;
  }
}
