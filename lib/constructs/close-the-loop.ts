import { Duration, Stack } from "aws-cdk-lib";
import type { Table } from "aws-cdk-lib/aws-dynamodb";
import { type EventBus, Rule, Schedule } from "aws-cdk-lib/aws-events";
import { LambdaFunction, SqsQueue } from "aws-cdk-lib/aws-events-targets";
import { PolicyStatement } from "aws-cdk-lib/aws-iam";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import { SqsEventSource } from "aws-cdk-lib/aws-lambda-event-sources";
import type { RetentionDays } from "aws-cdk-lib/aws-logs";
import { Secret } from "aws-cdk-lib/aws-secretsmanager";
import { Queue, QueueEncryption } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { DetailType, EVENT_SOURCE } from "../../lambdas/contracts/events";
import { followUpEventPattern } from "../../lambdas/contracts/follow-up-config";
import { EnvName } from "../../lambdas/contracts/runtime-env";
import type { StageConfig } from "../config";
import { CxFunction } from "./function";
import type { Observability } from "./observability";
import { commentRetentionEnvironment } from "./privacy";

export interface CloseTheLoopProps {
  config: StageConfig;
  table: Table;
  bus: EventBus;
  observability: Observability;
  logRetention: RetentionDays;
}

const CONSUMER_TIMEOUT = Duration.seconds(30);
/** How often overdue cases are looked for. */
export const SLA_SWEEP_SCHEDULE = Schedule.rate(Duration.minutes(15));

/**
 * Follow-up rules on `Response Recorded` → follow-up queue → cases; case events →
 * alert queue → Slack and email; a scheduled sweeper escalates overdue cases.
 * Both queues have DLQs with alarms, so a failing alert never loses its case.
 */
export class CloseTheLoop extends Construct {
  readonly followUp: CxFunction;
  readonly notify: CxFunction;
  readonly sweeper: CxFunction;
  readonly slackWebhooks: Secret;
  readonly followUpQueue: Queue;
  readonly alertQueue: Queue;

  constructor(scope: Construct, id: string, props: CloseTheLoopProps) {
    super(scope, id);
    const { config, table, bus, observability, logRetention } = props;

    this.slackWebhooks = new Secret(this, "SlackWebhooks", {
      description: 'cxloop Slack incoming webhooks by name, as JSON: {"cx-team": "https://hooks.slack.com/..."}',
      generateSecretString: { secretStringTemplate: "{}", generateStringKey: "_unused" },
    });
    const common = {
      [EnvName.tableName]: table.tableName,
      [EnvName.eventBusName]: bus.eventBusName,
      [EnvName.followUpConfig]: JSON.stringify(config.followUp),
      ...commentRetentionEnvironment(config),
    };

    this.followUpQueue = this.queueWithDlq("FollowUp", config.maxReceiveCount, observability);
    config.followUp.rules.forEach((rule, index) => {
      const { source, "detail-type": detailType, detail } = followUpEventPattern(rule);
      new Rule(this, `Rule${index}`, {
        description: `cxloop follow-up rule ${rule.name}${rule.description ? `: ${rule.description}` : ""}`,
        eventBus: bus,
        eventPattern: { source, detailType, detail },
        targets: [new SqsQueue(this.followUpQueue)],
      });
    });
    new Rule(this, "RetentionRule", {
      description: "cxloop: a customer whose churn risk crossed the threshold gets a retention case",
      eventBus: bus,
      eventPattern: { source: [EVENT_SOURCE], detailType: [DetailType.CustomerAtRisk] },
      targets: [new SqsQueue(this.followUpQueue)],
    });
    this.followUp = new CxFunction(this, "FollowUp", {
      handler: "follow-up",
      description: "Opens one follow-up case per matching response and publishes Case Opened",
      logRetention,
      timeout: CONSUMER_TIMEOUT,
      environment: common,
    });
    this.followUp.fn.addEventSource(
      new SqsEventSource(this.followUpQueue, { batchSize: 10, reportBatchItemFailures: true }),
    );
    table.grant(this.followUp.fn, "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem");
    bus.grantPutEventsTo(this.followUp.fn);

    this.alertQueue = this.queueWithDlq("Alerts", config.maxReceiveCount, observability);
    new Rule(this, "AlertRule", {
      description: "cxloop case alerts: opened and escalated cases",
      eventBus: bus,
      eventPattern: { source: [EVENT_SOURCE], detailType: [DetailType.CaseOpened, DetailType.CaseEscalated] },
      targets: [new SqsQueue(this.alertQueue)],
    });
    this.notify = new CxFunction(this, "Notify", {
      handler: "notify",
      description: "Sends case alerts to Slack and email, once per channel",
      logRetention,
      timeout: CONSUMER_TIMEOUT,
      environment: { ...common, ...this.senderEnvironment(config) },
    });
    this.notify.fn.addEventSource(new SqsEventSource(this.alertQueue, { batchSize: 5, reportBatchItemFailures: true }));
    table.grant(this.notify.fn, "dynamodb:GetItem", "dynamodb:PutItem");
    this.grantSending(this.notify.fn, config);

    this.sweeper = new CxFunction(this, "SlaSweeper", {
      handler: "sla-sweeper",
      description: "Escalates overdue follow-up cases, one level at a time",
      logRetention,
      timeout: Duration.minutes(2),
      environment: common,
    });
    new Rule(this, "SlaSweepSchedule", {
      description: "cxloop SLA sweep",
      schedule: SLA_SWEEP_SCHEDULE,
      targets: [new LambdaFunction(this.sweeper.fn, { retryAttempts: 2 })],
    });
    table.grant(this.sweeper.fn, "dynamodb:Query", "dynamodb:PutItem");
    bus.grantPutEventsTo(this.sweeper.fn);
    observability.alarmOnErrors("FollowUpErrors", this.followUp.fn);
    observability.alarmOnErrors("NotifyErrors", this.notify.fn);
    observability.alarmOnErrors("SlaSweeperErrors", this.sweeper.fn);
  }

  /** What a function that sends Slack messages and email needs to know: the webhooks' secret and the sender. */
  senderEnvironment(config: StageConfig): Record<string, string> {
    return {
      [EnvName.slackWebhooksSecretArn]: this.slackWebhooks.secretArn,
      ...(config.alerts.emailFrom ? { [EnvName.emailFrom]: config.alerts.emailFrom } : {}),
    };
  }

  /** Lets a function read the Slack webhooks and, when a sender is configured, send email through SES. */
  grantSending(fn: IFunction, config: StageConfig): void {
    this.slackWebhooks.grantRead(fn);
    if (config.alerts.emailFrom)
      fn.addToRolePolicy(
        new PolicyStatement({
          actions: ["ses:SendEmail"],
          resources: [Stack.of(this).formatArn({ service: "ses", resource: "identity", resourceName: "*" })],
        }),
      );
  }

  private queueWithDlq(name: string, maxReceiveCount: number, observability: Observability): Queue {
    const deadLetterQueue = new Queue(this, `${name}DeadLetterQueue`, {
      retentionPeriod: Duration.days(14),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    observability.alarmOnDeadLetters(`${name}DeadLetters`, deadLetterQueue);
    return new Queue(this, `${name}Queue`, {
      visibilityTimeout: Duration.seconds(CONSUMER_TIMEOUT.toSeconds() * 6),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount },
    });
  }
}
