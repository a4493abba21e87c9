import { Duration, Stack, Validations } from "aws-cdk-lib";
import { Rule, Schedule } from "aws-cdk-lib/aws-events";
import { LambdaFunction, SqsQueue } from "aws-cdk-lib/aws-events-targets";
import { PolicyStatement } from "aws-cdk-lib/aws-iam";
import type { RetentionDays } from "aws-cdk-lib/aws-logs";
import { Secret } from "aws-cdk-lib/aws-secretsmanager";
import { Construct } from "constructs";
import { DetailType, EVENT_SOURCE } from "../../lambdas/contracts/events";
import { followUpEventPattern } from "../../lambdas/contracts/follow-up-config";
import { EnvName } from "../../lambdas/contracts/runtime-env";
import type { StageConfig } from "../config";
import { ConsumerQueue } from "./consumer-queue";
import type { Data } from "./data";
import { CxFunction, type CxFunctionProps } from "./function";
import { acknowledgeWildcardResource } from "./nag";
import type { Observability } from "./observability";

export interface CloseTheLoopProps {
  config: StageConfig;
  data: Data;
  observability: Observability;
  logRetention: RetentionDays;
}

const CONSUMER_TIMEOUT = Duration.seconds(30);
/** How often overdue cases are looked for. */
export const SLA_SWEEP_SCHEDULE = Schedule.rate(Duration.minutes(15));

/**
 * Follow-up rules on `Response Recorded` → follow-up queue → cases; case events →
 * alert queue → Slack and email; a scheduled sweeper escalates overdue cases; the cases API
 * lists and updates them. Both queues have DLQs with alarms, so a failing alert never loses its case.
 */
export class CloseTheLoop extends Construct {
  readonly followUp: CxFunction;
  readonly notify: CxFunction;
  readonly sweeper: CxFunction;
  readonly api: CxFunction;
  readonly slackWebhooks: Secret;
  readonly followUpQueue: ConsumerQueue;
  readonly alertQueue: ConsumerQueue;
  private readonly emailFrom: string | undefined;

  constructor(scope: Construct, id: string, props: CloseTheLoopProps) {
    super(scope, id);
    const { config, data, observability, logRetention } = props;
    this.emailFrom = config.alerts.emailFrom;

    this.slackWebhooks = new Secret(this, "SlackWebhooks", {
      description: 'cxloop Slack incoming webhooks by name, as JSON: {"cx-team": "https://hooks.slack.com/..."}',
      generateSecretString: { secretStringTemplate: "{}", generateStringKey: "_unused" },
    });
    Validations.of(this.slackWebhooks).acknowledge({
      id: "AwsSolutions-SMG4",
      reason:
        "Slack issues incoming webhook URLs and offers no API to reissue one, so a rotation function could not make a new value; a leaked webhook is revoked in Slack and the new URL put here by hand.",
    });
    // Opening, alerting on, escalating and editing cases all route and escalate by the same follow-up config.
    const caseFunction = (functionId: string, options: Pick<CxFunctionProps, "handler" | "description" | "timeout">) =>
      new CxFunction(this, functionId, {
        ...options,
        logRetention,
        observability,
        environment: { [EnvName.followUpConfig]: JSON.stringify(config.followUp) },
      });

    this.followUp = caseFunction("FollowUp", {
      handler: "follow-up",
      description: "Opens one follow-up case per matching response and publishes Case Opened",
      timeout: CONSUMER_TIMEOUT,
    });
    data.grantTable(this.followUp, "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query");
    data.grantPutEvents(this.followUp);
    this.followUpQueue = new ConsumerQueue(this, "FollowUpQueue", {
      consumer: this.followUp,
      observability,
      maxReceiveCount: config.maxReceiveCount,
      batchSize: 10,
    });
    config.followUp.rules.forEach((rule, index) => {
      const { source, "detail-type": detailType, detail } = followUpEventPattern(rule);
      new Rule(this, `Rule${index}`, {
        description: `cxloop follow-up rule ${rule.name}${rule.description ? `: ${rule.description}` : ""}`,
        eventBus: data.bus,
        eventPattern: { source, detailType, detail },
        targets: [new SqsQueue(this.followUpQueue.queue)],
      });
    });
    new Rule(this, "RetentionRule", {
      description: "cxloop: a customer whose churn risk crossed the threshold gets a retention case",
      eventBus: data.bus,
      eventPattern: { source: [EVENT_SOURCE], detailType: [DetailType.CustomerAtRisk] },
      targets: [new SqsQueue(this.followUpQueue.queue)],
    });

    this.notify = caseFunction("Notify", {
      handler: "notify",
      description: "Sends case alerts to Slack and email, once per channel",
      timeout: CONSUMER_TIMEOUT,
    });
    data.grantTable(this.notify, "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem");
    this.grantSending(this.notify);
    this.alertQueue = new ConsumerQueue(this, "AlertsQueue", {
      consumer: this.notify,
      observability,
      maxReceiveCount: config.maxReceiveCount,
      batchSize: 5,
    });
    new Rule(this, "AlertRule", {
      description: "cxloop case alerts: opened and escalated cases",
      eventBus: data.bus,
      eventPattern: { source: [EVENT_SOURCE], detailType: [DetailType.CaseOpened, DetailType.CaseEscalated] },
      targets: [new SqsQueue(this.alertQueue.queue)],
    });

    this.sweeper = caseFunction("SlaSweeper", {
      handler: "sla-sweeper",
      description: "Escalates overdue follow-up cases, one level at a time",
      timeout: Duration.minutes(2),
    });
    // GetItem and UpdateItem for counting older cases into the stats counters (the backfill's transactions).
    data.grantTable(this.sweeper, "dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:UpdateItem");
    data.grantPutEvents(this.sweeper);
    new Rule(this, "SlaSweepSchedule", {
      description: "cxloop SLA sweep",
      schedule: SLA_SWEEP_SCHEDULE,
      targets: [new LambdaFunction(this.sweeper.fn, { retryAttempts: 2 })],
    });

    this.api = caseFunction("CasesApi", {
      handler: "cases-api",
      description: "Lists, shows and updates follow-up cases; loop health stats",
    });
    // UpdateItem: the case stats counters, updated in the transaction of the case write they count.
    data.grantTable(this.api, "dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:UpdateItem");
    data.grantPutEvents(this.api);
  }

  /**
   * Lets a function send Slack messages and email, and tells it where from: the webhooks' secret and,
   * when a sender is configured, the address it may send as through SES.
   */
  grantSending(fn: CxFunction): void {
    fn.addEnvironment(EnvName.slackWebhooksSecretArn, this.slackWebhooks.secretArn);
    this.slackWebhooks.grantRead(fn.fn);
    if (this.emailFrom) {
      fn.addEnvironment(EnvName.emailFrom, this.emailFrom);
      const identities = Stack.of(this).formatArn({ service: "ses", resource: "identity", resourceName: "*" });
      fn.fn.addToRolePolicy(new PolicyStatement({ actions: ["ses:SendEmail"], resources: [identities] }));
      acknowledgeWildcardResource(
        fn,
        identities,
        "SES authorizes SendEmail on the identity verified for alerts.emailFrom, its address or its domain, which is set up outside the stack; the statement allows only ses:SendEmail, in this account and region.",
      );
    }
  }
}
