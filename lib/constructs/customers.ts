import { Duration } from "aws-cdk-lib";
import type { Table } from "aws-cdk-lib/aws-dynamodb";
import { type EventBus, Rule } from "aws-cdk-lib/aws-events";
import { SqsQueue } from "aws-cdk-lib/aws-events-targets";
import { SqsEventSource } from "aws-cdk-lib/aws-lambda-event-sources";
import type { RetentionDays } from "aws-cdk-lib/aws-logs";
import { Queue, QueueEncryption } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { DetailType, EVENT_SOURCE } from "../../lambdas/contracts/events";
import { EnvName } from "../../lambdas/contracts/runtime-env";
import type { StageConfig } from "../config";
import { CxFunction } from "./function";
import type { Observability } from "./observability";
import { commentRetentionEnvironment } from "./privacy";

export interface CustomersProps {
  config: StageConfig;
  table: Table;
  bus: EventBus;
  observability: Observability;
  logRetention: RetentionDays;
}

const CONSUMER_TIMEOUT = Duration.seconds(30);

/** Customer profiles and events (API), and churn risk recomputed on every response from a known customer. */
export class Customers extends Construct {
  readonly api: CxFunction;
  readonly risk: CxFunction;

  constructor(scope: Construct, id: string, props: CustomersProps) {
    super(scope, id);
    const { config, table, bus, observability, logRetention } = props;
    const riskEnv = {
      [EnvName.tableName]: table.tableName,
      [EnvName.eventBusName]: bus.eventBusName,
      [EnvName.churnRiskThreshold]: String(config.churnRiskThreshold),
    };

    this.api = new CxFunction(this, "Api", {
      handler: "customers-api",
      description: "Customer profiles, operational events, 360 view, erasure",
      logRetention,
      timeout: Duration.seconds(29),
      environment: {
        ...riskEnv,
        [EnvName.apiKeys]: JSON.stringify(config.apiKeys),
        [EnvName.allowedOrigins]: JSON.stringify(config.allowedOrigins),
        ...commentRetentionEnvironment(config),
      },
    });
    table.grant(
      this.api.fn,
      "dynamodb:GetItem",
      "dynamodb:PutItem",
      "dynamodb:UpdateItem",
      "dynamodb:DeleteItem",
      "dynamodb:Query",
    );
    bus.grantPutEventsTo(this.api.fn);

    const deadLetterQueue = new Queue(this, "RiskDeadLetterQueue", {
      retentionPeriod: Duration.days(14),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    const queue = new Queue(this, "RiskQueue", {
      visibilityTimeout: Duration.seconds(CONSUMER_TIMEOUT.toSeconds() * 6),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: config.maxReceiveCount },
    });
    new Rule(this, "ResponsesFromCustomers", {
      description: "cxloop: recompute churn risk for every response from a known customer",
      eventBus: bus,
      eventPattern: {
        source: [EVENT_SOURCE],
        detailType: [DetailType.ResponseRecorded],
        detail: { customer: { id: [{ exists: true }] } },
      },
      targets: [new SqsQueue(queue)],
    });
    this.risk = new CxFunction(this, "Risk", {
      handler: "customer-risk",
      description: "Recomputes churn risk and publishes Customer At Risk on a threshold crossing",
      logRetention,
      timeout: CONSUMER_TIMEOUT,
      environment: riskEnv,
    });
    this.risk.fn.addEventSource(new SqsEventSource(queue, { batchSize: 10, reportBatchItemFailures: true }));
    table.grant(this.risk.fn, "dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:Query");
    bus.grantPutEventsTo(this.risk.fn);

    observability.alarmOnDeadLetters("RiskDeadLetters", deadLetterQueue);
    observability.alarmOnErrors("CustomersApiErrors", this.api.fn);
    observability.alarmOnErrors("CustomerRiskErrors", this.risk.fn);
  }
}
