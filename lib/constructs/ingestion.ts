import { Duration } from "aws-cdk-lib";
import type { Table } from "aws-cdk-lib/aws-dynamodb";
import type { EventBus } from "aws-cdk-lib/aws-events";
import { PolicyStatement } from "aws-cdk-lib/aws-iam";
import { SqsEventSource } from "aws-cdk-lib/aws-lambda-event-sources";
import type { RetentionDays } from "aws-cdk-lib/aws-logs";
import { Queue, QueueEncryption } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { EnvName } from "../../lambdas/contracts/runtime-env";
import type { StageConfig } from "../config";
import { CxFunction } from "./function";
import type { Observability } from "./observability";
import { commentRetentionEnvironment } from "./privacy";

export interface IngestionProps {
  config: StageConfig;
  table: Table;
  bus: EventBus;
  observability: Observability;
  logRetention: RetentionDays;
}

const ENRICH_TIMEOUT = Duration.seconds(30);

/** Intake (validate, enqueue) and enrichment (score, sentiment, themes, store, publish), joined by a queue with a DLQ. */
export class Ingestion extends Construct {
  readonly intake: CxFunction;
  readonly enrich: CxFunction;
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: IngestionProps) {
    super(scope, id);
    const { config, table, bus, observability } = props;

    this.deadLetterQueue = new Queue(this, "DeadLetterQueue", {
      retentionPeriod: Duration.days(14),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    this.queue = new Queue(this, "Queue", {
      // AWS advises six times the consumer's timeout, so retries never race a running batch.
      visibilityTimeout: Duration.seconds(ENRICH_TIMEOUT.toSeconds() * 6),
      retentionPeriod: Duration.days(4),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: config.maxReceiveCount },
    });

    this.intake = new CxFunction(this, "Intake", {
      handler: "intake",
      description: "Validates submissions, assigns ids and enqueues them",
      logRetention: props.logRetention,
      environment: {
        [EnvName.queueUrl]: this.queue.queueUrl,
        [EnvName.apiKeys]: JSON.stringify(config.apiKeys),
        [EnvName.allowedOrigins]: JSON.stringify(config.allowedOrigins),
      },
    });
    this.queue.grantSendMessages(this.intake.fn);

    this.enrich = new CxFunction(this, "Enrich", {
      handler: "enrich",
      description: "Enriches queued submissions, stores each once and publishes Response Recorded",
      logRetention: props.logRetention,
      timeout: ENRICH_TIMEOUT,
      environment: {
        [EnvName.tableName]: table.tableName,
        [EnvName.eventBusName]: bus.eventBusName,
        [EnvName.sentimentProvider]: config.sentimentProvider,
        [EnvName.metricsTimeZone]: config.metricsTimeZone,
        ...(config.themes ? { [EnvName.themes]: JSON.stringify(config.themes) } : {}),
        ...commentRetentionEnvironment(config),
      },
    });
    this.enrich.fn.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: config.enrichmentBatchSize,
        maxBatchingWindow: Duration.seconds(1),
        reportBatchItemFailures: true,
      }),
    );
    table.grant(this.enrich.fn, "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem");
    bus.grantPutEventsTo(this.enrich.fn);
    if (config.sentimentProvider === "comprehend") {
      // Comprehend's sentiment API has no resource-level permissions.
      this.enrich.fn.addToRolePolicy(
        new PolicyStatement({ actions: ["comprehend:BatchDetectSentiment"], resources: ["*"] }),
      );
    }

    observability.alarmOnDeadLetters("IntakeDeadLetters", this.deadLetterQueue);
    observability.alarmOnErrors("IntakeErrors", this.intake.fn);
    observability.alarmOnErrors("EnrichErrors", this.enrich.fn);
  }
}
