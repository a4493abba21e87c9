import { Duration, Validations } from "aws-cdk-lib";
import { PolicyStatement } from "aws-cdk-lib/aws-iam";
import type { RetentionDays } from "aws-cdk-lib/aws-logs";
import { Secret } from "aws-cdk-lib/aws-secretsmanager";
import { Construct } from "constructs";
import { EnvName } from "../../lambdas/contracts/runtime-env";
import type { StageConfig } from "../config";
import { ConsumerQueue } from "./consumer-queue";
import type { Data } from "./data";
import { CxFunction } from "./function";
import { acknowledgeWildcardResource } from "./nag";
import type { Observability } from "./observability";

export interface IngestionProps {
  config: StageConfig;
  data: Data;
  observability: Observability;
  logRetention: RetentionDays;
}

/** Intake (validate, enqueue) and enrichment (score, sentiment, themes, store, publish), joined by a queue with a DLQ. */
export class Ingestion extends Construct {
  readonly intake: CxFunction;
  readonly identitySecret: Secret;
  readonly enrich: CxFunction;
  readonly queue: ConsumerQueue;
  /** Delighted's and Formbricks' webhooks, verified and queued for enrichment like intake's submissions. */
  readonly hooks: CxFunction;
  readonly integrationSecrets: Secret;

  constructor(scope: Construct, id: string, props: IngestionProps) {
    super(scope, id);
    const { config, data, observability, logRetention } = props;

    this.enrich = new CxFunction(this, "Enrich", {
      handler: "enrich",
      description: "Enriches queued submissions, stores each once, publishes Response Recorded, recomputes churn risk",
      logRetention,
      observability,
      timeout: Duration.seconds(30),
      environment: {
        [EnvName.sentimentProvider]: config.sentimentProvider,
        [EnvName.journey]: JSON.stringify(config.journey),
        [EnvName.churnRiskThreshold]: String(config.churnRiskThreshold),
        ...(config.themes ? { [EnvName.themes]: JSON.stringify(config.themes) } : {}),
      },
    });
    // Query: churn risk reads the customer's latest responses, cases and events (and counts their responses).
    data.grantTable(this.enrich, "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query");
    data.grantPutEvents(this.enrich);
    if (config.sentimentProvider === "comprehend") {
      // Comprehend's sentiment API has no resource-level permissions.
      this.enrich.fn.addToRolePolicy(
        new PolicyStatement({ actions: ["comprehend:BatchDetectSentiment"], resources: ["*"] }),
      );
      acknowledgeWildcardResource(
        this.enrich,
        "*",
        "comprehend:BatchDetectSentiment has no resource-level permissions, so IAM takes only '*'; the statement allows that one action, and only when the stage sets sentimentProvider to comprehend.",
      );
    }
    this.queue = new ConsumerQueue(this, "Queue", {
      consumer: this.enrich,
      observability,
      maxReceiveCount: config.maxReceiveCount,
      batchSize: config.enrichmentBatchSize,
      maxBatchingWindow: Duration.seconds(1),
      retentionPeriod: Duration.days(4),
    });

    this.intake = new CxFunction(this, "Intake", {
      handler: "intake",
      description: "Validates submissions, claims their ids and enqueues them",
      logRetention,
      observability,
      environment: { [EnvName.queueUrl]: this.queue.queue.queueUrl },
    });
    this.queue.queue.grantSendMessages(this.intake.fn);
    // Claims each response id for its body (a conditional put), so another body under it is refused;
    // reads it back on a repeat, and gives it back when a limit refuses the submission.
    // UpdateItem: a survey link's comment step completes the link's ledger item.
    data.grantTable(this.intake, "dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:DeleteItem", "dynamodb:UpdateItem");

    // The key sites sign customer ids with (`data-customer-signature`): their servers read it from here.
    this.identitySecret = new Secret(this, "IdentitySecret", {
      description: "cxloop identity secret: sites sign customer ids with HMAC-SHA256 of the id under this value",
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
    });
    Validations.of(this.identitySecret).acknowledge({
      id: "AwsSolutions-SMG4",
      reason:
        "Every site that embeds the widget signs customer ids with this value on its own servers; a rotation would break their signatures until each copied the new one, so it is rotated by hand, together with them.",
    });
    this.identitySecret.grantRead(this.intake.fn);
    this.intake.addEnvironment(EnvName.identitySecretArn, this.identitySecret.secretArn);
    this.intake.addEnvironment(EnvName.requireSignedCustomers, String(config.identity.requireSignedCustomers));
    this.intake.addEnvironment(EnvName.surveys, JSON.stringify(config.surveys));
    if (config.surveyLinks.baseUrl) this.intake.addEnvironment(EnvName.surveyLinkBaseUrl, config.surveyLinks.baseUrl);

    this.hooks = new CxFunction(this, "Hooks", {
      handler: "hooks",
      description: "Verifies Delighted's and Formbricks' webhooks and queues their responses for enrichment",
      logRetention,
      observability,
      environment: {
        [EnvName.queueUrl]: this.queue.queue.queueUrl,
        [EnvName.surveys]: JSON.stringify(config.surveys),
        [EnvName.formbricksSurveys]: JSON.stringify(config.integrations.formbricksSurveys),
      },
    });
    this.queue.queue.grantSendMessages(this.hooks.fn);
    // Made empty (a placeholder key only): the operator puts the peers' values in, and until then both hooks refuse.
    this.integrationSecrets = new Secret(this, "IntegrationSecrets", {
      description:
        'cxloop inbound webhooks: {"delightedApiKey": "…", "formbricksWebhookSecret": "whsec_…"}, put by the operator',
      generateSecretString: { secretStringTemplate: "{}", generateStringKey: "placeholder" },
    });
    Validations.of(this.integrationSecrets).acknowledge({
      id: "AwsSolutions-SMG4",
      reason:
        "The values are Delighted's API key and a Formbricks webhook's secret, issued by those services: they are rotated there and copied here by hand, so a rotation here could only break the hooks.",
    });
    this.integrationSecrets.grantRead(this.hooks.fn);
    this.hooks.addEnvironment(EnvName.inboundHookSecretsArn, this.integrationSecrets.secretArn);
  }
}
