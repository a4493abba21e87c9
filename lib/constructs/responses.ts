import type { RetentionDays } from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import type { Data } from "./data";
import { CxFunction } from "./function";
import type { Observability } from "./observability";

export interface ResponsesProps {
  data: Data;
  observability: Observability;
  logRetention: RetentionDays;
}

/** The read side of responses: lists and shows enriched responses, and serves the OpenAPI document. */
export class Responses extends Construct {
  readonly api: CxFunction;

  constructor(scope: Construct, id: string, props: ResponsesProps) {
    super(scope, id);
    this.api = new CxFunction(this, "Api", {
      handler: "responses-api",
      description: "Reads enriched responses and serves the OpenAPI document",
      logRetention: props.logRetention,
      observability: props.observability,
    });
    props.data.grantTable(this.api, "dynamodb:GetItem", "dynamodb:Query");
  }
}
