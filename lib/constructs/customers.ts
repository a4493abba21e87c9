import { Duration } from "aws-cdk-lib";
import { Rule } from "aws-cdk-lib/aws-events";
import { SqsQueue } from "aws-cdk-lib/aws-events-targets";
import type { RetentionDays } from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import { DetailType, EVENT_SOURCE } from "../../lambdas/contracts/events";
import { EnvName } from "../../lambdas/contracts/runtime-env";
import type { StageConfig } from "../config";
import { ConsumerQueue } from "./consumer-queue";
import type { Data } from "./data";
import { CxFunction } from "./function";
import type { Observability } from "./observability";

export interface CustomersProps {
  config: StageConfig;
  data: Data;
  observability: Observability;
  logRetention: RetentionDays;
}

/** Customer profiles and events (API), and churn risk recomputed on every response from a known customer. */
export class Customers extends Construct {
  readonly api: CxFunction;
  readonly risk: CxFunction;
  readonly riskQueue: ConsumerQueue;

  constructor(scope: Construct, id: string, props: CustomersProps) {
    super(scope, id);
    const { config, data, observability, logRetention } = props;
    const threshold = { [EnvName.churnRiskThreshold]: String(config.churnRiskThreshold) };

    this.api = new CxFunction(this, "Api", {
      handler: "customers-api",
      description: "Customer profiles, operational events, 360 view, erasure",
      logRetention,
      observability,
      timeout: Duration.seconds(29),
      environment: threshold,
    });
    data.grantTable(
      this.api,
      "dynamodb:GetItem",
      "dynamodb:PutItem",
      "dynamodb:UpdateItem",
      "dynamodb:DeleteItem",
      "dynamodb:Query",
      // The duplicate listing reads the profiles a page of the index names in one round trip.
      "dynamodb:BatchGetItem",
    );
    data.grantPutEvents(this.api);

    this.risk = new CxFunction(this, "Risk", {
      handler: "customer-risk",
      description: "Recomputes churn risk and publishes Customer At Risk on a threshold crossing",
      logRetention,
      observability,
      timeout: Duration.seconds(30),
      environment: threshold,
    });
    data.grantTable(this.risk, "dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:Query");
    data.grantPutEvents(this.risk);
    this.riskQueue = new ConsumerQueue(this, "RiskQueue", {
      consumer: this.risk,
      observability,
      maxReceiveCount: config.maxReceiveCount,
      batchSize: 10,
      // A risk a few seconds later changes nothing for anyone; fuller batches mean fewer invocations and SQS requests.
      maxBatchingWindow: Duration.seconds(2),
    });
    new Rule(this, "ResponsesFromCustomers", {
      description: "cxloop: recompute churn risk for every response from a known customer",
      eventBus: data.bus,
      eventPattern: {
        source: [EVENT_SOURCE],
        detailType: [DetailType.ResponseRecorded],
        detail: { customer: { id: [{ exists: true }] } },
      },
      targets: [new SqsQueue(this.riskQueue.queue)],
    });
  }
}
