import { Annotations, Stack, type StackProps } from "aws-cdk-lib";
import { RetentionDays } from "aws-cdk-lib/aws-logs";
import type { Construct } from "constructs";
import { EnvName } from "../lambdas/contracts/runtime-env";
import type { StageConfig } from "./config";
import { Api } from "./constructs/api";
import { CloseTheLoop } from "./constructs/close-the-loop";
import { Customers } from "./constructs/customers";
import { Data } from "./constructs/data";
import { CxFunction } from "./constructs/function";
import { Ingestion } from "./constructs/ingestion";
import { Metrics } from "./constructs/metrics";
import { Observability } from "./constructs/observability";
import { commentRetentionEnvironment, Privacy } from "./constructs/privacy";

export interface CxloopStackProps extends StackProps {
  config: StageConfig;
}

/** Log retention must be one of CloudWatch's fixed values; pick the shortest that keeps at least the asked days. */
function retentionFor(days: number): RetentionDays {
  const allowed = Object.values(RetentionDays).filter(
    (value): value is number => typeof value === "number" && value > 0,
  );
  return (allowed.sort((a, b) => a - b).find((value) => value >= days) ?? RetentionDays.INFINITE) as RetentionDays;
}

export class CxloopStack extends Stack {
  readonly data: Data;
  readonly ingestion: Ingestion;
  readonly api: Api;
  readonly closeTheLoop: CloseTheLoop;

  constructor(scope: Construct, id: string, props: CxloopStackProps) {
    super(scope, id, props);
    const { config } = props;
    const logRetention = retentionFor(config.logRetentionDays);

    if (config.apiKeys.length === 0)
      Annotations.of(this).addWarningV2(
        "cxloop:no-api-keys",
        "No API keys configured for this stage: every API request will be refused with 401. Add stages.<stage>.apiKeys in cdk.json.",
      );

    const observability = new Observability(this, "Observability", { alertEmails: config.alerts.emails });
    this.data = new Data(this, "Data", {
      eventBusName: config.eventBusName,
      eventArchiveRetentionDays: config.eventArchiveRetentionDays,
    });
    this.ingestion = new Ingestion(this, "Ingestion", {
      config,
      table: this.data.table,
      bus: this.data.bus,
      observability,
      logRetention,
    });

    const responsesApi = new CxFunction(this, "ResponsesApi", {
      handler: "responses-api",
      description: "Reads enriched responses and serves the OpenAPI document",
      logRetention,
      environment: {
        [EnvName.tableName]: this.data.table.tableName,
        [EnvName.apiKeys]: JSON.stringify(config.apiKeys),
        [EnvName.allowedOrigins]: JSON.stringify(config.allowedOrigins),
        ...commentRetentionEnvironment(config),
      },
    });
    this.data.table.grant(responsesApi.fn, "dynamodb:GetItem", "dynamodb:Query");
    observability.alarmOnErrors("ResponsesApiErrors", responsesApi.fn);

    this.closeTheLoop = new CloseTheLoop(this, "CloseTheLoop", {
      config,
      table: this.data.table,
      bus: this.data.bus,
      observability,
      logRetention,
    });
    const casesApi = new CxFunction(this, "CasesApi", {
      handler: "cases-api",
      description: "Lists, shows and updates follow-up cases; loop health stats",
      logRetention,
      environment: {
        [EnvName.tableName]: this.data.table.tableName,
        [EnvName.eventBusName]: this.data.bus.eventBusName,
        [EnvName.followUpConfig]: JSON.stringify(config.followUp),
        [EnvName.apiKeys]: JSON.stringify(config.apiKeys),
        [EnvName.allowedOrigins]: JSON.stringify(config.allowedOrigins),
        ...commentRetentionEnvironment(config),
      },
    });
    this.data.table.grant(casesApi.fn, "dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem");
    this.data.bus.grantPutEventsTo(casesApi.fn);
    observability.alarmOnErrors("CasesApiErrors", casesApi.fn);

    if (config.commentRetentionDays)
      new Privacy(this, "Privacy", {
        commentRetentionDays: config.commentRetentionDays,
        table: this.data.table,
        observability,
        logRetention,
      });

    const customers = new Customers(this, "Customers", {
      config,
      table: this.data.table,
      bus: this.data.bus,
      observability,
      logRetention,
    });

    const metrics = new Metrics(this, "Metrics", {
      config,
      table: this.data.table,
      bus: this.data.bus,
      closeTheLoop: this.closeTheLoop,
      observability,
      logRetention,
    });

    this.api = new Api(this, "Api", {
      allowedOrigins: config.allowedOrigins,
      functions: {
        intake: this.ingestion.intake.fn,
        "responses-api": responsesApi.fn,
        "cases-api": casesApi.fn,
        "customers-api": customers.api.fn,
        "metrics-api": metrics.api.fn,
      },
    });
  }
}
