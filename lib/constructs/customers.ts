import { Duration } from "aws-cdk-lib";
import type { RetentionDays } from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import { EnvName } from "../../lambdas/contracts/runtime-env";
import type { StageConfig } from "../config";
import type { Data } from "./data";
import { CxFunction } from "./function";
import type { Observability } from "./observability";

export interface CustomersProps {
  config: StageConfig;
  data: Data;
  observability: Observability;
  logRetention: RetentionDays;
}

/** Customer profiles and events (API); churn risk is recomputed here after an event, and by enrichment after a response. */
export class Customers extends Construct {
  readonly api: CxFunction;

  constructor(scope: Construct, id: string, props: CustomersProps) {
    super(scope, id);
    const { config, data, observability, logRetention } = props;

    this.api = new CxFunction(this, "Api", {
      handler: "customers-api",
      description: "Customer profiles, operational events, 360 view, erasure",
      logRetention,
      observability,
      timeout: Duration.seconds(29),
      environment: { [EnvName.churnRiskThreshold]: String(config.churnRiskThreshold) },
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
  }
}
