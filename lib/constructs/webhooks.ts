import { Duration } from "aws-cdk-lib";
import { Rule } from "aws-cdk-lib/aws-events";
import { SqsQueue } from "aws-cdk-lib/aws-events-targets";
import type { RetentionDays } from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import { EVENT_SOURCE } from "../../lambdas/contracts/events";
import { EnvName } from "../../lambdas/contracts/runtime-env";
import { webhookEventTypes } from "../../lambdas/contracts/webhooks";
import type { StageConfig } from "../config";
import type { CloseTheLoop } from "./close-the-loop";
import { ConsumerQueue } from "./consumer-queue";
import type { Data } from "./data";
import { CxFunction } from "./function";
import type { Observability } from "./observability";

export interface WebhooksProps {
  config: StageConfig;
  data: Data;
  observability: Observability;
  logRetention: RetentionDays;
  /** Sends the alert when an endpoint is disabled, through the same Slack secret and SES identity as case alerts. */
  closeTheLoop: CloseTheLoop;
}

/** Five deliveries a batch, each waiting at most 10 s for its receiver, with room for the table and the queue. */
const DELIVERY_BATCH = 5;
const DELIVERY_TIMEOUT = Duration.seconds(DELIVERY_BATCH * 10 + 10);

/**
 * Outbound webhooks: one rule on the bus for every event type → fan-out queue → fan-out λ (one delivery per
 * subscribed endpoint) → delivery queue → delivery λ (signs and POSTs; a failed attempt re-queues itself with
 * its backoff as the message delay; after the last, the dead-letter queue). The management API keeps the
 * endpoints in the table and queues test pings.
 */
export class Webhooks extends Construct {
  readonly api: CxFunction;
  readonly fanOut: CxFunction;
  readonly delivery: CxFunction;

  constructor(scope: Construct, id: string, props: WebhooksProps) {
    super(scope, id);
    const { config, data, observability, logRetention, closeTheLoop } = props;

    this.delivery = new CxFunction(this, "Delivery", {
      handler: "webhook-delivery",
      description: "Signs and POSTs webhook deliveries (Standard Webhooks), with backoff and a delivery log",
      logRetention,
      observability,
      timeout: DELIVERY_TIMEOUT,
      environment: {
        [EnvName.webhookRetrySchedule]: JSON.stringify(config.webhooks.retryScheduleSeconds),
        // The disabling alert goes to the escalation contacts.
        [EnvName.followUpConfig]: JSON.stringify(config.followUp),
      },
    });
    data.grantTable(this.delivery, "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem");
    closeTheLoop.grantSending(this.delivery);
    const deliveryQueue = new ConsumerQueue(this, "DeliveryQueue", {
      consumer: this.delivery,
      observability,
      maxReceiveCount: config.maxReceiveCount,
      batchSize: DELIVERY_BATCH,
    });
    deliveryQueue.queue.grantSendMessages(this.delivery.fn);
    deliveryQueue.deadLetterQueue.grantSendMessages(this.delivery.fn);
    this.delivery
      .addEnvironment(EnvName.webhookQueueUrl, deliveryQueue.queue.queueUrl)
      .addEnvironment(EnvName.webhookDeadLetterQueueUrl, deliveryQueue.deadLetterQueue.queueUrl);

    this.fanOut = new CxFunction(this, "FanOut", {
      handler: "webhook-fanout",
      description: "Queues one webhook delivery per endpoint subscribed to an event (types and filter)",
      logRetention,
      observability,
      timeout: Duration.seconds(30),
    });
    data.grantTable(this.fanOut, "dynamodb:Query");
    deliveryQueue.queue.grantSendMessages(this.fanOut.fn);
    this.fanOut.addEnvironment(EnvName.webhookQueueUrl, deliveryQueue.queue.queueUrl);
    const fanOutQueue = new ConsumerQueue(this, "FanOutQueue", {
      consumer: this.fanOut,
      observability,
      maxReceiveCount: config.maxReceiveCount,
      batchSize: 10,
    });
    new Rule(this, "EventsRule", {
      description: "cxloop webhooks: every event type an endpoint may subscribe to",
      eventBus: data.bus,
      eventPattern: { source: [EVENT_SOURCE], detailType: [...webhookEventTypes] },
      targets: [new SqsQueue(fanOutQueue.queue)],
    });

    this.api = new CxFunction(this, "Api", {
      handler: "webhooks-api",
      description: "Creates, lists, deletes and tests webhook endpoints; rotates secrets; the delivery log",
      logRetention,
      observability,
    });
    data.grantTable(
      this.api,
      "dynamodb:GetItem",
      "dynamodb:PutItem",
      "dynamodb:UpdateItem",
      "dynamodb:DeleteItem",
      "dynamodb:Query",
    );
    deliveryQueue.queue.grantSendMessages(this.api.fn);
    this.api.addEnvironment(EnvName.webhookQueueUrl, deliveryQueue.queue.queueUrl);
  }
}
